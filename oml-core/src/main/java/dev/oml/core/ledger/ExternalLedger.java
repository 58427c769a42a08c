package dev.oml.core.ledger;

import dev.oml.core.permission.VerifiedPermission;

/**
 * Base of the ledgers implemented outside this package, such as the PostgreSQL ledger of
 * {@code oml-service}. It gives them the one thing they cannot make themselves, a {@link
 * SpendReceipt}, whose constructor stays package-private so that ordinary code cannot fabricate
 * one. A subclass must hand out a receipt only after its spend is recorded, atomically and
 * durably, with the same replay and quota rules as {@link FileLedger}.
 */
public abstract class ExternalLedger implements PermissionLedger {
  protected ExternalLedger() {}

  /** The receipt of a spend that this ledger has just recorded. */
  protected static SpendReceipt receipt(VerifiedPermission permission, long chargedAfter,
      long quota) {
    return new SpendReceipt(permission, chargedAfter, quota);
  }
}
