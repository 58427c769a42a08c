package dev.oml.core.ledger;

import dev.oml.core.permission.LicenseeProof;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermissionUse;
import dev.oml.core.permission.PermissionVerifier;
import java.util.Objects;

/**
 * The owner's one call before any query-dependent work: verify the presented permission for
 * this use, then spend it in the ledger, and return the {@link SpendReceipt} that the mode's
 * owner-side entry points demand. Putting both steps behind one method makes the safe order
 * (verify, spend, then compute) the only convenient one.
 */
public final class PermissionGate {
  private final PermissionVerifier verifier;
  private final PermissionLedger ledger;

  public PermissionGate(PermissionVerifier verifier, PermissionLedger ledger) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.ledger = Objects.requireNonNull(ledger, "ledger");
  }

  /**
   * Verifies and spends.
   *
   * @throws dev.oml.core.permission.PermissionException (a subclass naming the reason, including
   *     {@link PermissionReplayedException} and {@link QuotaExceededException}) if refused
   * @throws LedgerException if the spend cannot be recorded
   */
  public SpendReceipt admit(PermissionToken token, LicenseeProof proof, PermissionUse use) {
    return ledger.spend(verifier.verify(token, proof, use));
  }

  /** As {@link #admit(PermissionToken, LicenseeProof, PermissionUse)}, from wire bytes. */
  public SpendReceipt admit(byte[] token, byte[] proof, PermissionUse use) {
    return ledger.spend(verifier.verify(token, proof, use));
  }

  /** The ledger spends are recorded in. */
  public PermissionLedger ledger() {
    return ledger;
  }
}
