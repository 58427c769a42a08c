package dev.oml.core.model;

import dev.oml.core.OmlException;

/** A model whose layers do not fit together; the message names the offending layer. */
public final class ModelValidationException extends OmlException {
  private static final long serialVersionUID = 1L;

  public ModelValidationException(String message) {
    super(message);
  }
}
