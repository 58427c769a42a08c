package dev.oml.core.ledger;

import dev.oml.core.permission.VerifiedPermission;

/**
 * Proof that a permission was spent: its nonce is recorded (durably, for a durable ledger) and
 * its {@code n} inferences are charged. The constructor is package-private, so an owner-side
 * entry point that takes a receipt cannot be reached before the spend happened.
 */
public final class SpendReceipt {
  private final VerifiedPermission permission;
  private final long chargedAfter;
  private final long quota;

  SpendReceipt(VerifiedPermission permission, long chargedAfter, long quota) {
    this.permission = permission;
    this.chargedAfter = chargedAfter;
    this.quota = quota;
  }

  /** The spent permission. */
  public VerifiedPermission permission() {
    return permission;
  }

  /** The licensee's total charge including this spend. */
  public long chargedAfter() {
    return chargedAfter;
  }

  /** The licensee's quota at the time of the spend. */
  public long quota() {
    return quota;
  }

  @Override
  public String toString() {
    return "SpendReceipt(" + permission + ", charged " + chargedAfter + " of " + quota + ")";
  }
}
