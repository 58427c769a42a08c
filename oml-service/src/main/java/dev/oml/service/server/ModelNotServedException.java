package dev.oml.service.server;

import dev.oml.core.OmlException;

/**
 * The owner server holds no key share (or, in the HE mode, no model) for the model id of a
 * query: the artifact belongs to another owner or server, or the owner has not added its key
 * share yet. Nothing was charged.
 */
public final class ModelNotServedException extends OmlException {
  private static final long serialVersionUID = 1L;

  public ModelNotServedException(String message) {
    super(message);
  }
}
