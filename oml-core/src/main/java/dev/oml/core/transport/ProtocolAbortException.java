package dev.oml.core.transport;

import dev.oml.core.OmlException;

/**
 * A two-party protocol stopped because a message was missing, malformed, out of order, failed a
 * consistency check, or because the peer hung up or did not answer in time. The session that
 * raised it is dead: its channel is closed and its secret material must be discarded; start a new
 * session. Messages name the step and what was wrong with the message's shape, never its content.
 */
public class ProtocolAbortException extends OmlException {
  private static final long serialVersionUID = 1L;

  public ProtocolAbortException(String message) {
    super(message);
  }

  public ProtocolAbortException(String message, Throwable cause) {
    super(message, cause);
  }
}
