package dev.oml.service.server;

import dev.oml.core.OmlException;

/**
 * The owner server, or one of its services, has no room for another session right now (every
 * worker or every HE session slot is taken); nothing was done for the refused session, and the
 * client may try again later.
 */
public final class ServerBusyException extends OmlException {
  private static final long serialVersionUID = 1L;

  public ServerBusyException(String message) {
    super(message);
  }
}
