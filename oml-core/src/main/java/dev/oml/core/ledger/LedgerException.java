package dev.oml.core.ledger;

import dev.oml.core.OmlException;

/**
 * The ledger itself failed: its file cannot be written or synced, is held by another process,
 * is corrupted somewhere other than a torn last record, or its database refuses or is
 * misconfigured. A ledger that cannot record a spend refuses it: forgetting a spend would allow a
 * replay. {@link LedgerUnavailableException} marks the failures that go away by themselves (a
 * database restarting), after which the same ledger object serves again.
 */
public class LedgerException extends OmlException {
  private static final long serialVersionUID = 1L;

  public LedgerException(String message) {
    super(message);
  }

  public LedgerException(String message, Throwable cause) {
    super(message, cause);
  }
}
