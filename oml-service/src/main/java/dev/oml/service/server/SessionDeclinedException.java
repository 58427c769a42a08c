package dev.oml.service.server;

import dev.oml.core.OmlException;

/**
 * The client declined what the service offered (an HE licensee declining the owner's plan), so
 * the session ended before any work: neither side failed. A service throws it from its session to
 * tell the {@link OwnerServer}, which counts the session as declined rather than failed and logs
 * the message (which names the model and the client's reason, never a secret) instead of an
 * error; nothing is sent back, since the client has said its last word.
 */
public final class SessionDeclinedException extends OmlException {
  private static final long serialVersionUID = 1L;

  public SessionDeclinedException(String message) {
    super(message);
  }
}
