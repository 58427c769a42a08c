package dev.oml.core.ledger;

/**
 * The ledger's store cannot be reached right now (a database that is restarting, a network
 * partition, a pool with no free connection in time): the operation was not acknowledged, and the
 * caller may retry later with the same ledger object. A spend refused this way was not charged,
 * with one exception that cannot be told apart from the outside: if the connection broke while
 * the database was committing, the spend may have been recorded. It is then recorded exactly
 * once, so retrying the same permission is refused as a replay and never charged twice.
 */
public final class LedgerUnavailableException extends LedgerException {
  private static final long serialVersionUID = 1L;

  public LedgerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
