package dev.oml.mpc.ot;

import dev.oml.core.transport.ProtocolAbortException;

/**
 * The KOS consistency check failed: the receiver's OT extension matrix is not the one its base
 * OTs allow (a replayed, mixed or crafted message). The session is aborted and its state
 * discarded; a served session counts it as a failed check of the licensee, like a failed MAC
 * check, not as a malformed message.
 */
public class KosCheckFailedException extends ProtocolAbortException {
  private static final long serialVersionUID = 1L;

  public KosCheckFailedException(String message) {
    super(message);
  }
}
