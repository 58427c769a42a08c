package dev.oml.core.data;

import dev.oml.core.OmlException;

/** A dataset file that is missing, truncated or not in the IDX format. */
public final class DatasetException extends OmlException {
  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(message);
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
