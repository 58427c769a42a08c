package dev.oml.service.server;

import dev.oml.core.transport.ProtocolAbortException;

/**
 * The owner server would not take this session: it is at its limit of concurrent sessions or
 * shutting down. Nothing was charged; try again later (or another server of the same owner).
 */
public final class ServerBusyException extends ProtocolAbortException {
  private static final long serialVersionUID = 1L;

  public ServerBusyException(String message) {
    super(message);
  }
}
