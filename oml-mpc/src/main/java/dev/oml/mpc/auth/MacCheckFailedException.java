package dev.oml.mpc.auth;

import dev.oml.core.transport.ProtocolAbortException;

/**
 * The batched MAC check failed: some value the licensee opened, claimed to be zero, or fed into a
 * circuit does not match its tag. The query is aborted before the owner releases anything; the
 * session's secrets must be discarded and the abort counted against the licensee (each failed
 * check rules out at most one guess of the MAC key, see {@link MacCheckVerifier}). The message
 * never says which value failed.
 */
public class MacCheckFailedException extends ProtocolAbortException {
  private static final long serialVersionUID = 1L;

  public MacCheckFailedException(String message) {
    super(message);
  }
}
