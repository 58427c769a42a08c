package dev.oml.core.model;

import dev.oml.core.OmlException;

/**
 * A model file that cannot be loaded: wrong magic or version, truncated, too large, corrupted
 * (checksum mismatch), with shapes that do not fit or with non-finite weights. Loading is all or
 * nothing; after this exception no part of the file has been used.
 */
public final class ModelFormatException extends OmlException {
  private static final long serialVersionUID = 1L;

  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
