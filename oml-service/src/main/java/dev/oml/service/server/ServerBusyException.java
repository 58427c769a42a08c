package dev.oml.service.server;

import dev.oml.core.transport.ProtocolAbortException;

/**
 * The owner server, or one of its services, has no room for another session right now (every
 * worker or every HE session slot is taken), or it is shutting down. Nothing was done or charged
 * for the refused session; the client may try again later (or another server of the same owner).
 */
public final class ServerBusyException extends ProtocolAbortException {
  private static final long serialVersionUID = 1L;

  public ServerBusyException(String message) {
    super(message);
  }
}
