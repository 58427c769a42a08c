package dev.oml.core.omlize;

import dev.oml.core.io.FileFormatException;

/**
 * A licensee artifact or owner key-share file was refused: missing, of another type, of an
 * unknown version, truncated, corrupted (checksum or model id mismatch) or malformed. The
 * {@link #reason()} says which; messages name the file, never share or seed bytes.
 */
public final class ArtifactFormatException extends FileFormatException {
  private static final long serialVersionUID = 1L;

  public ArtifactFormatException(Reason reason, String message) {
    super(reason, message);
  }
}
