package dev.oml.core.keys;

import dev.oml.core.io.AtomicFiles;
import dev.oml.core.io.Envelope;
import dev.oml.core.io.FileFormatException.Reason;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Reads and writes Ed25519 key files in the standard formats other tools read (OpenSSL, the JDK,
 * Bouncy Castle): a private key file ({@code *.key}) is PKCS#8 ({@code PRIVATE KEY} PEM, RFC 8410,
 * with the public key included so a damaged private key is noticed), written atomically and
 * created {@code rw-------}; a public key file ({@code *.pub}) is a SubjectPublicKeyInfo
 * ({@code PUBLIC KEY} PEM). Bouncy Castle encodes and parses both. Files of this library's
 * earlier format (the checksummed {@link Envelope} with its own magic) are still read. A public key
 * is never loaded as a private one or the reverse, and a damaged file is refused with a
 * {@link KeyFormatException} that says how it is damaged and never shows key material.
 */
public final class KeyFiles {
  /** Magic of a private key file in the earlier format. */
  static final byte[] PRIVATE_MAGIC = {'O', 'M', 'L', 'S', 'K', 'E', 'Y', 1};
  /** Magic of a public key file in the earlier format. */
  static final byte[] PUBLIC_MAGIC = {'O', 'M', 'L', 'P', 'K', 'E', 'Y', 1};
  static final int VERSION = 1;
  /** PEM type of a PKCS#8 private key. */
  static final String PRIVATE_PEM = "PRIVATE KEY";
  /** PEM type of a SubjectPublicKeyInfo. */
  static final String PUBLIC_PEM = "PUBLIC KEY";
  /** The algorithm identifier of Ed25519 (RFC 8410). */
  private static final ASN1ObjectIdentifier ED25519 = new ASN1ObjectIdentifier("1.3.101.112");
  /** Larger than any Ed25519 key file, in either format. */
  private static final int MAX_PEM_BYTES = 16 * 1024;

  private KeyFiles() {}

  /** Writes the private key to {@code file} as PKCS#8 PEM ({@code rw-------}, atomic). */
  public static void writePrivate(SigningKeyPair keyPair, Path file, SecretAccess access) {
    SecretAccess.require(access);
    byte[] sk = keyPair.privateKeyBytes(access);
    byte[] der = null;
    byte[] pem = null;
    try {
      der = PrivateKeyInfoFactory.createPrivateKeyInfo(new Ed25519PrivateKeyParameters(sk, 0)).getEncoded();
      pem = pem(PRIVATE_PEM, der);
      AtomicFiles.write(file, pem, true);
    } catch (IOException e) {
      throw new IllegalStateException("Bouncy Castle could not encode an Ed25519 key", e);
    } finally {
      Arrays.fill(sk, (byte) 0);
      if (der != null) {
        Arrays.fill(der, (byte) 0);
      }
      if (pem != null) {
        Arrays.fill(pem, (byte) 0);
      }
    }
  }

  /** Writes the public key to {@code file} as SubjectPublicKeyInfo PEM (atomic). */
  public static void writePublic(SigningPublicKey key, Path file) {
    try {
      byte[] der = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(
          new Ed25519PublicKeyParameters(key.encoded(), 0)).getEncoded();
      AtomicFiles.write(file, pem(PUBLIC_PEM, der), false);
    } catch (IOException e) {
      throw new IllegalStateException("Bouncy Castle could not encode an Ed25519 key", e);
    }
  }

  /**
   * Reads a key pair from a private key file (PKCS#8 PEM, or the earlier format).
   *
   * @throws KeyFormatException if the file is missing, of another type, truncated or corrupted
   */
  public static SigningKeyPair readPrivate(Path file, SecretAccess access) {
    SecretAccess.require(access);
    String what = "private key file " + file;
    byte[] bytes = Envelope.readFile(file, what, KeyFormatException::new);
    try {
      if (!isPem(bytes)) {
        byte[] body = Envelope.open(bytes, PRIVATE_MAGIC, VERSION, what, KeyFormatException::new);
        try {
          return SigningKeyPair.fromPrivateKey(body, access);
        } finally {
          Arrays.fill(body, (byte) 0);
        }
      }
      byte[] der = unpem(bytes, PRIVATE_PEM, what);
      try {
        return privateFromPkcs8(der, what, access);
      } finally {
        Arrays.fill(der, (byte) 0);
      }
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /**
   * Reads a public key file (SubjectPublicKeyInfo PEM, or the earlier format).
   *
   * @throws KeyFormatException if the file is missing, of another type, truncated or corrupted
   */
  public static SigningPublicKey readPublic(Path file) {
    String what = "public key file " + file;
    byte[] bytes = Envelope.readFile(file, what, KeyFormatException::new);
    if (!isPem(bytes)) {
      return SigningPublicKey.decode(Envelope.open(bytes, PUBLIC_MAGIC, VERSION, what, KeyFormatException::new));
    }
    byte[] der = unpem(bytes, PUBLIC_PEM, what);
    SubjectPublicKeyInfo info;
    try {
      info = SubjectPublicKeyInfo.getInstance(der);
    } catch (RuntimeException e) {
      throw new KeyFormatException(Reason.MALFORMED, what + " is not a valid SubjectPublicKeyInfo");
    }
    if (info == null || !ED25519.equals(info.getAlgorithm().getAlgorithm())) {
      throw new KeyFormatException(Reason.MALFORMED, what + " does not hold an Ed25519 key");
    }
    try {
      return SigningPublicKey.decode(info.getPublicKeyData().getOctets());
    } catch (KeyFormatException e) {
      throw new KeyFormatException(Reason.MALFORMED, what + ": " + e.getMessage());
    } catch (RuntimeException e) {
      throw new KeyFormatException(Reason.MALFORMED, what + " holds a malformed public key");
    }
  }

  private static SigningKeyPair privateFromPkcs8(byte[] der, String what, SecretAccess access) {
    byte[] sk = null;
    try {
      PrivateKeyInfo info;
      try {
        info = PrivateKeyInfo.getInstance(der);
        if (info == null || !ED25519.equals(info.getPrivateKeyAlgorithm().getAlgorithm())) {
          throw new KeyFormatException(Reason.MALFORMED, what + " does not hold an Ed25519 key");
        }
        // RFC 8410: the private key is an OCTET STRING wrapped in the PKCS#8 OCTET STRING.
        sk = ASN1OctetString.getInstance(info.parsePrivateKey()).getOctets();
      } catch (IOException | RuntimeException e) {
        if (e instanceof KeyFormatException k) {
          throw k;
        }
        throw new KeyFormatException(Reason.MALFORMED, what + " is not a valid PKCS#8 private key");
      }
      if (sk.length != SigningKeyPair.PRIVATE_BYTES) {
        throw new KeyFormatException(Reason.MALFORMED, what + " does not hold a 32-byte Ed25519 private key");
      }
      SigningKeyPair kp = SigningKeyPair.fromPrivateKey(sk, access);
      // The public key stored beside it (when present) must be the one the private key gives: PEM
      // has no checksum, and this is what notices a changed byte in the private key.
      byte[] stored;
      try {
        stored = info.getPublicKeyData() == null ? null : info.getPublicKeyData().getOctets();
      } catch (RuntimeException e) {
        throw new KeyFormatException(Reason.MALFORMED, what + " holds a malformed public key");
      }
      if (stored != null && !Arrays.equals(stored, kp.publicKey().encoded())) {
        throw new KeyFormatException(Reason.CHECKSUM_MISMATCH, what + " is corrupted: its private key "
            + "does not give the public key stored with it; restore it from a good copy");
      }
      return kp;
    } finally {
      if (sk != null) {
        Arrays.fill(sk, (byte) 0);
      }
    }
  }

  private static boolean isPem(byte[] bytes) {
    return bytes.length >= 5 && bytes[0] == '-' && bytes[1] == '-' && bytes[2] == '-' && bytes[3] == '-'
        && bytes[4] == '-';
  }

  private static byte[] pem(String type, byte[] der) throws IOException {
    StringWriter w = new StringWriter();
    try (PemWriter pw = new PemWriter(w)) {
      pw.writeObject(new PemObject(type, der));
    }
    return w.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** The DER body of a PEM file of {@code type}. */
  private static byte[] unpem(byte[] bytes, String type, String what) {
    if (bytes.length > MAX_PEM_BYTES) {
      throw new KeyFormatException(Reason.MALFORMED, what + " is larger than any key file");
    }
    String text = new String(bytes, StandardCharsets.US_ASCII);
    PemObject o;
    try (PemReader r = new PemReader(new StringReader(text))) {
      o = r.readPemObject();
    } catch (IOException | RuntimeException e) {
      throw new KeyFormatException(text.contains("-----END ") ? Reason.MALFORMED : Reason.TRUNCATED,
          what + (text.contains("-----END ") ? " is not a valid PEM file" : " is truncated (no END line)"));
    }
    if (o == null) {
      throw new KeyFormatException(text.contains("-----END ") ? Reason.MALFORMED : Reason.TRUNCATED,
          what + " holds no PEM object");
    }
    if (!o.getType().equals(type)) {
      boolean swapped = o.getType().equals(PRIVATE_PEM) || o.getType().equals(PUBLIC_PEM);
      throw new KeyFormatException(swapped ? Reason.WRONG_MAGIC : Reason.MALFORMED,
          what + " holds a " + o.getType() + ", not a " + type);
    }
    return o.getContent();
  }
}
