package dev.oml.core.io;

import dev.oml.core.OmlException;

/**
 * A file of this library could not be read because its bytes are not what they must be: the
 * file is missing or unreadable, carries another file type's magic, a version this build does
 * not know, ends early, fails its checksum, or holds a malformed body. The {@link Reason} lets
 * a caller (and a test) tell these apart without parsing messages; subclasses name the kind of
 * file (key, artifact, key share).
 */
public class FileFormatException extends OmlException {
  private static final long serialVersionUID = 1L;

  /** Why a file was refused. */
  public enum Reason {
    /** The file does not exist or cannot be read. */
    UNREADABLE,
    /** The first bytes are not this file type's magic: a different or foreign file. */
    WRONG_MAGIC,
    /** A format version this build cannot read. */
    UNSUPPORTED_VERSION,
    /** The file ends before its declared length: a partial copy or a torn write. */
    TRUNCATED,
    /** The checksum does not match the content: the file was corrupted or altered. */
    CHECKSUM_MISMATCH,
    /** The checksum matches but the body violates the format (or extra bytes follow it). */
    MALFORMED
  }

  private final Reason reason;

  public FileFormatException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public FileFormatException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** Why the file was refused. */
  public Reason reason() {
    return reason;
  }
}
