package dev.oml.core.omlize;

import dev.oml.core.OmlException;

/**
 * OMLize was asked to share a model in a fixed-point ring too small for it. Shares are only
 * correct modulo {@code 2^l}; if the model's own values wrap in that ring, reconstruction is
 * exact but meaningless, so we refuse before drawing any key. The message gives the width the
 * model needs.
 */
public final class FormatTooNarrowException extends OmlException {
  private static final long serialVersionUID = 1L;

  public FormatTooNarrowException(String message) {
    super(message);
  }
}
