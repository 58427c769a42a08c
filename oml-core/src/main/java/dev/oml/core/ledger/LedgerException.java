package dev.oml.core.ledger;

import dev.oml.core.OmlException;

/**
 * The ledger itself failed: its file cannot be written or synced, is held by another process,
 * or is corrupted somewhere other than a torn last record. A ledger that cannot record a spend
 * refuses it: forgetting a spend would allow a replay.
 */
public final class LedgerException extends OmlException {
  private static final long serialVersionUID = 1L;

  public LedgerException(String message) {
    super(message);
  }

  public LedgerException(String message, Throwable cause) {
    super(message, cause);
  }
}
