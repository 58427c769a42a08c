package dev.oml.core.keys;

import dev.oml.core.io.AtomicFiles;
import dev.oml.core.io.Envelope;
import java.nio.file.Path;

/**
 * Reads and writes Ed25519 key files. A private key file ({@code *.key}) holds the 32-byte
 * private key, is written atomically and created {@code rw-------}; a public key file
 * ({@code *.pub}) holds the 32-byte public key. Both use the checksummed {@link Envelope} with
 * their own magic, so a public key can never be loaded as a private one or the reverse, and a
 * damaged file is refused with a {@link KeyFormatException} that says how it is damaged.
 */
public final class KeyFiles {
  /** Magic of a private key file. */
  static final byte[] PRIVATE_MAGIC = {'O', 'M', 'L', 'S', 'K', 'E', 'Y', 1};
  /** Magic of a public key file. */
  static final byte[] PUBLIC_MAGIC = {'O', 'M', 'L', 'P', 'K', 'E', 'Y', 1};
  static final int VERSION = 1;

  private KeyFiles() {}

  /** Writes the private key to {@code file} ({@code rw-------}, atomic). */
  public static void writePrivate(SigningKeyPair keyPair, Path file, SecretAccess access) {
    SecretAccess.require(access);
    byte[] sk = keyPair.privateKeyBytes(access);
    try {
      AtomicFiles.write(file, Envelope.seal(PRIVATE_MAGIC, VERSION, sk), true);
    } finally {
      java.util.Arrays.fill(sk, (byte) 0);
    }
  }

  /** Writes the public key to {@code file} (atomic). */
  public static void writePublic(SigningPublicKey key, Path file) {
    AtomicFiles.write(file, Envelope.seal(PUBLIC_MAGIC, VERSION, key.encoded()), false);
  }

  /**
   * Reads a key pair from a private key file.
   *
   * @throws KeyFormatException if the file is missing, of another type, truncated or corrupted
   */
  public static SigningKeyPair readPrivate(Path file, SecretAccess access) {
    SecretAccess.require(access);
    String what = "private key file " + file;
    byte[] body = Envelope.open(Envelope.readFile(file, what, KeyFormatException::new), PRIVATE_MAGIC,
        VERSION, what, KeyFormatException::new);
    try {
      return SigningKeyPair.fromPrivateKey(body, access);
    } finally {
      java.util.Arrays.fill(body, (byte) 0);
    }
  }

  /**
   * Reads a public key file.
   *
   * @throws KeyFormatException if the file is missing, of another type, truncated or corrupted
   */
  public static SigningPublicKey readPublic(Path file) {
    String what = "public key file " + file;
    return SigningPublicKey.decode(Envelope.open(Envelope.readFile(file, what, KeyFormatException::new),
        PUBLIC_MAGIC, VERSION, what, KeyFormatException::new));
  }
}
