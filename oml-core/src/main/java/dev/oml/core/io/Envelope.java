package dev.oml.core.io;

import dev.oml.core.io.FileFormatException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * The container every binary file of this library uses: an 8-byte magic naming the file type,
 * a 2-byte big-endian format version, a 4-byte body length, the body, and a SHA-256 checksum
 * over everything before it. A reader checks, in this order, magic, version, length, checksum,
 * so that each way a file can be wrong gets its own {@link Reason}, and no body byte is parsed
 * before the checksum has matched.
 *
 * <p>The checksum detects accidents (truncation, bit rot, a wrong file), not an attacker who can
 * rewrite the file: authenticity of what matters comes from elsewhere (the model id in the
 * manifest, owner signatures on permissions).
 */
public final class Envelope {
  /** Bytes before the body: magic, version, length. */
  public static final int HEADER_BYTES = 8 + 2 + 4;
  /** Bytes after the body: the SHA-256 checksum. */
  public static final int TRAILER_BYTES = 32;
  /** Largest body accepted (1 GiB): a hostile length field must not make us allocate more. */
  public static final int MAX_BODY_BYTES = 1 << 30;

  /** Builds the exception a caller wants for a given reason (a file-type specific subclass). */
  @FunctionalInterface
  public interface ErrorFactory {
    FileFormatException create(Reason reason, String message);
  }

  private Envelope() {}

  /** Wraps {@code body} in magic, version, length and checksum. */
  public static byte[] seal(byte[] magic, int version, byte[] body) {
    checkMagic(magic);
    if (version < 0 || version > 0xFFFF) {
      throw new IllegalArgumentException("version " + version + " does not fit two bytes");
    }
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + body.length + TRAILER_BYTES);
    b.put(magic).putShort((short) version).putInt(body.length).put(body);
    b.put(sha256(b.array(), 0, HEADER_BYTES + body.length));
    return b.array();
  }

  /**
   * Checks a sealed file and returns its body.
   *
   * @param what a name for the file in messages ("artifact /x/y.omla")
   * @param supportedVersion the only version this reader understands
   * @throws FileFormatException (built by {@code errors}) if any check fails
   */
  public static byte[] open(byte[] file, byte[] magic, int supportedVersion, String what,
      ErrorFactory errors) {
    checkMagic(magic);
    Objects.requireNonNull(errors, "errors");
    if (file.length < magic.length || !Arrays.equals(file, 0, magic.length, magic, 0, magic.length)) {
      throw errors.create(Reason.WRONG_MAGIC, what + " is not of the expected type (wrong magic "
          + "bytes); check that you passed the right file");
    }
    if (file.length < HEADER_BYTES) {
      throw errors.create(Reason.TRUNCATED, what + " is truncated: it ends inside its header");
    }
    ByteBuffer b = ByteBuffer.wrap(file);
    b.position(magic.length);
    int version = Short.toUnsignedInt(b.getShort());
    if (version != supportedVersion) {
      throw errors.create(Reason.UNSUPPORTED_VERSION, what + " has format version " + version
          + "; this build reads version " + supportedVersion);
    }
    int length = b.getInt();
    if (length < 0 || length > MAX_BODY_BYTES) {
      throw errors.create(Reason.MALFORMED, what + " declares an impossible body length");
    }
    long expected = (long) HEADER_BYTES + length + TRAILER_BYTES;
    if (file.length < expected) {
      throw errors.create(Reason.TRUNCATED, what + " is truncated: " + file.length + " of "
          + expected + " bytes; copy the file again");
    }
    if (file.length > expected) {
      throw errors.create(Reason.MALFORMED, what + " has " + (file.length - expected)
          + " unexpected bytes after its end");
    }
    byte[] sum = sha256(file, 0, HEADER_BYTES + length);
    if (!MessageDigest.isEqual(sum, Arrays.copyOfRange(file, HEADER_BYTES + length, file.length))) {
      throw errors.create(Reason.CHECKSUM_MISMATCH, what + " fails its checksum: the file is "
          + "corrupted; restore it from a good copy");
    }
    return Arrays.copyOfRange(file, HEADER_BYTES, HEADER_BYTES + length);
  }

  /** Reads a whole file, turning I/O failures into {@link Reason#UNREADABLE}. */
  public static byte[] readFile(Path path, String what, ErrorFactory errors) {
    try {
      long size = Files.size(path);
      if (size > HEADER_BYTES + (long) MAX_BODY_BYTES + TRAILER_BYTES) {
        throw errors.create(Reason.MALFORMED, what + " is larger than any valid file");
      }
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw errors.create(Reason.UNREADABLE, what + " does not exist");
    } catch (IOException e) {
      FileFormatException f = errors.create(Reason.UNREADABLE, what + " cannot be read: " + e.getMessage());
      f.initCause(e);
      throw f;
    }
  }

  private static void checkMagic(byte[] magic) {
    if (magic.length != 8) {
      throw new IllegalArgumentException("magic must have 8 bytes");
    }
  }

  private static byte[] sha256(byte[] data, int off, int len) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(data, off, len);
      return md.digest();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
