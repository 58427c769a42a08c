package dev.oml.core.keys;

import dev.oml.core.io.FileFormatException;

/**
 * A key or key file was refused: wrong type, truncated, corrupted, or bytes that are not a valid
 * Ed25519 key. Messages name the file, never the key material.
 */
public final class KeyFormatException extends FileFormatException {
  private static final long serialVersionUID = 1L;

  public KeyFormatException(Reason reason, String message) {
    super(reason, message);
  }
}
