package dev.oml.core.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.io.FileFormatException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key pairs and key files: signatures verify only for their message and key, files round-trip,
 * private key files are {@code rw-------}, and every way a file can be wrong (missing, other
 * type, truncated, a flipped bit) gives a typed error with its reason; the files are standard
 * PKCS#8 and SubjectPublicKeyInfo PEM, and the earlier format is still read.
 */
class KeyFilesTest {
  @TempDir Path dir;
  private final SecureRandom random = new SecureRandom();

  @Test
  void signAndVerify() {
    SigningKeyPair k = SigningKeyPair.generate(random);
    byte[] m = "message".getBytes();
    byte[] sig = k.sign(m);
    assertTrue(k.publicKey().verify(m, sig));
    assertFalse(k.publicKey().verify("messagf".getBytes(), sig));
    assertFalse(SigningKeyPair.generate(random).publicKey().verify(m, sig));
    assertFalse(k.publicKey().verify(m, Arrays.copyOf(sig, 63)));
  }

  @Test
  void filesRoundTripAndPrivateKeyIsOwnerOnly() throws IOException {
    SigningKeyPair k = SigningKeyPair.generate(random);
    Path sk = dir.resolve("owner.key");
    Path pk = dir.resolve("owner.pub");
    KeyFiles.writePrivate(k, sk, SecretAccess.get());
    KeyFiles.writePublic(k.publicKey(), pk);
    SigningKeyPair back = KeyFiles.readPrivate(sk, SecretAccess.get());
    assertTrue(back.equalsKey(k));
    assertEquals(k.publicKey(), KeyFiles.readPublic(pk));
    assertEquals(k.keyId(), back.keyId());
    if (sk.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sk)));
    }
    // no stray temporary files are left behind by the atomic write
    try (var s = Files.list(dir)) {
      assertEquals(2, s.count());
    }
  }

  @Test
  void damagedFilesAreRefusedWithTheirReason() throws IOException {
    SigningKeyPair k = SigningKeyPair.generate(random);
    Path sk = dir.resolve("a.key");
    Path pk = dir.resolve("a.pub");
    KeyFiles.writePrivate(k, sk, SecretAccess.get());
    KeyFiles.writePublic(k.publicKey(), pk);
    assertEquals(Reason.UNREADABLE, assertThrows(KeyFormatException.class,
        () -> KeyFiles.readPublic(dir.resolve("missing.pub"))).reason());
    assertEquals(Reason.WRONG_MAGIC, assertThrows(KeyFormatException.class,
        () -> KeyFiles.readPublic(sk)).reason());
    assertEquals(Reason.WRONG_MAGIC, assertThrows(KeyFormatException.class,
        () -> KeyFiles.readPrivate(pk, SecretAccess.get())).reason());
    byte[] good = Files.readAllBytes(sk);
    Path bad = dir.resolve("bad.key");
    int end = new String(good, StandardCharsets.US_ASCII).indexOf("-----END ");
    for (int len = 8; len < end; len++) {
      Files.write(bad, Arrays.copyOf(good, len));
      assertEquals(Reason.TRUNCATED, assertThrows(KeyFormatException.class,
          () -> KeyFiles.readPrivate(bad, SecretAccess.get())).reason(), "length " + len);
    }
    // PEM has no checksum: a flipped bit is either refused (bad Base64 or DER, a private key that
    // does not give the stored public key) or lands where it changes nothing (a line break, the
    // text after the END line). It never yields another key.
    int refused = 0;
    for (int bit = 0; bit < good.length * 8; bit++) {
      byte[] b = good.clone();
      b[bit / 8] ^= (byte) (1 << (bit % 8));
      Files.write(bad, b);
      try {
        assertTrue(KeyFiles.readPrivate(bad, SecretAccess.get()).equalsKey(k), "bit " + bit);
      } catch (KeyFormatException expected) {
        refused++;
      }
    }
    assertTrue(refused > good.length * 8 * 9 / 10, refused + " of " + good.length * 8 + " flips refused");
  }

  /** The files are the standard encodings: the JDK's own KeyFactory reads them. */
  @Test
  void keyFilesAreStandardPkcs8AndSubjectPublicKeyInfo() throws Exception {
    SigningKeyPair k = SigningKeyPair.generate(random);
    Path sk = dir.resolve("std.key");
    Path pk = dir.resolve("std.pub");
    KeyFiles.writePrivate(k, sk, SecretAccess.get());
    KeyFiles.writePublic(k.publicKey(), pk);
    String priv = Files.readString(sk);
    String pub = Files.readString(pk);
    assertTrue(priv.startsWith("-----BEGIN PRIVATE KEY-----"), priv.substring(0, 30));
    assertTrue(pub.startsWith("-----BEGIN PUBLIC KEY-----"), pub);
    java.security.KeyFactory kf = java.security.KeyFactory.getInstance("Ed25519");
    java.security.PrivateKey jdkPriv = kf.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der(priv)));
    java.security.PublicKey jdkPub = kf.generatePublic(new java.security.spec.X509EncodedKeySpec(der(pub)));
    // A signature made by the JDK with the file's private key verifies under our public key, and
    // the JDK verifies ours under the file's public key.
    byte[] m = "standard".getBytes(StandardCharsets.UTF_8);
    java.security.Signature s = java.security.Signature.getInstance("Ed25519");
    s.initSign(jdkPriv);
    s.update(m);
    assertTrue(k.publicKey().verify(m, s.sign()));
    s.initVerify(jdkPub);
    s.update(m);
    assertTrue(s.verify(k.sign(m)));
    // And a key the JDK wrote is read.
    java.security.KeyPair jdk = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Path jsk = dir.resolve("jdk.key");
    Files.writeString(jsk, "-----BEGIN PRIVATE KEY-----\n"
        + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(jdk.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    SigningKeyPair fromJdk = KeyFiles.readPrivate(jsk, SecretAccess.get());
    s.initVerify(jdk.getPublic());
    s.update(m);
    assertTrue(s.verify(fromJdk.sign(m)));
  }

  /** Key files written before PEM (the checksummed envelope) are still read. */
  @Test
  void theEarlierFormatIsStillRead() throws IOException {
    SigningKeyPair k = SigningKeyPair.generate(random);
    Path sk = dir.resolve("old.key");
    Path pk = dir.resolve("old.pub");
    Files.write(sk, dev.oml.core.io.Envelope.seal(KeyFiles.PRIVATE_MAGIC, KeyFiles.VERSION,
        k.privateKeyBytes(SecretAccess.get())));
    Files.write(pk, dev.oml.core.io.Envelope.seal(KeyFiles.PUBLIC_MAGIC, KeyFiles.VERSION, k.publicKey().encoded()));
    assertTrue(KeyFiles.readPrivate(sk, SecretAccess.get()).equalsKey(k));
    assertEquals(k.publicKey(), KeyFiles.readPublic(pk));
    assertEquals(Reason.WRONG_MAGIC, assertThrows(KeyFormatException.class, () -> KeyFiles.readPublic(sk)).reason());
    byte[] b = Files.readAllBytes(sk);
    b[20] ^= 1;
    Files.write(sk, b);
    assertEquals(Reason.CHECKSUM_MISMATCH, assertThrows(KeyFormatException.class,
        () -> KeyFiles.readPrivate(sk, SecretAccess.get())).reason());
  }

  private static byte[] der(String pem) {
    return java.util.Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
  }

  @Test
  void secretsStayOutOfTextAndNeedTheCapability() {
    SigningKeyPair k = SigningKeyPair.generate(random);
    String hex = HexFormat.of().formatHex(k.privateKeyBytes(SecretAccess.get()));
    assertFalse(k.toString().contains(hex.substring(0, 12)));
    assertThrows(IllegalArgumentException.class, () -> k.privateKeyBytes(null));
    assertArrayEquals(k.publicKey().encoded(),
        SigningKeyPair.fromPrivateKey(k.privateKeyBytes(SecretAccess.get()), SecretAccess.get())
            .publicKey().encoded());
  }

  @Test
  void smallOrderAndOffCurvePublicKeysAreRefused() {
    byte[] identity = new byte[32];
    identity[0] = 1; // the neutral element (x = 0, y = 1): order 1
    assertEquals(Reason.MALFORMED, assertThrows(KeyFormatException.class,
        () -> SigningPublicKey.decode(identity)).reason());
    byte[] orderTwo = new byte[32];
    java.util.Arrays.fill(orderTwo, (byte) 0xFF);
    orderTwo[0] = (byte) 0xEC;
    orderTwo[31] = 0x7F; // y = p - 1, x = 0: the point of order 2
    assertThrows(KeyFormatException.class, () -> SigningPublicKey.decode(orderTwo));
    SigningPublicKey ok = SigningKeyPair.generate(random).publicKey();
    assertEquals(ok, SigningPublicKey.decode(ok.encoded()));
  }
}
