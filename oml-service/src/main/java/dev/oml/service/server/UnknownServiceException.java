package dev.oml.service.server;

import dev.oml.core.transport.ProtocolAbortException;

/**
 * The owner server hosts no service of the name the client asked for: the owner does not offer
 * that mode (an owner without an HE model has no {@code he-inference}), or client and server
 * are of different versions.
 */
public final class UnknownServiceException extends ProtocolAbortException {
  private static final long serialVersionUID = 1L;

  public UnknownServiceException(String message) {
    super(message);
  }
}
