package dev.oml.core.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.io.FileFormatException.Reason;
import java.io.IOException;
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
 * type, truncated at any length, any single bit flipped) gives a typed error with its reason.
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
    for (int len = 8; len < good.length; len++) {
      Files.write(bad, Arrays.copyOf(good, len));
      assertEquals(Reason.TRUNCATED, assertThrows(KeyFormatException.class,
          () -> KeyFiles.readPrivate(bad, SecretAccess.get())).reason(), "length " + len);
    }
    for (int bit = 8 * 8; bit < good.length * 8; bit++) {
      byte[] b = good.clone();
      b[bit / 8] ^= (byte) (1 << (bit % 8));
      Files.write(bad, b);
      assertThrows(KeyFormatException.class, () -> KeyFiles.readPrivate(bad, SecretAccess.get()),
          "bit " + bit);
    }
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
