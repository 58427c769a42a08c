package dev.oml.core.ledger;

import dev.oml.core.keys.KeyId;
import java.util.Objects;

/**
 * Records the abort of one admitted bundle in the ledger, at most once, for its licensee. A
 * protocol's owner side obtains one from the spend receipt of the bundle ({@link #of}) and calls
 * {@link #record} right before a failure that the licensee caused propagates (a failed check, a
 * malformed or out-of-order message, a hang-up mid-query); the owner's policy then suspends a
 * licensee whose count reaches its limit (see {@code PermissionPolicy#maxAborts()}). Tier-2
 * protocol code is meant to use exactly this: its MAC key lives for the whole licence, so each
 * failed check must be counted, and counted once per bundle, however many layers report it.
 *
 * <p>Recording never replaces the failure being reported: if the ledger cannot record the abort,
 * the recorder logs that (licensee id and reason only) and returns, so the caller still throws its
 * own exception. Thread-safe; a normal end of a bundle records nothing.
 */
public final class AbortRecorder {
  private static final System.Logger LOG = System.getLogger("dev.oml.ledger");

  private final PermissionLedger ledger;
  private final KeyId licensee;
  private AbortReason recorded;

  private AbortRecorder(PermissionLedger ledger, KeyId licensee) {
    this.ledger = ledger;
    this.licensee = licensee;
  }

  /**
   * The recorder of the bundle that {@code receipt} admitted. Only a receipt opens one, so that
   * an abort is never counted for a query whose permission was not verified and charged.
   */
  public static AbortRecorder of(PermissionLedger ledger, SpendReceipt receipt) {
    Objects.requireNonNull(ledger, "ledger");
    Objects.requireNonNull(receipt, "receipt");
    return new AbortRecorder(ledger, receipt.permission().licensee());
  }

  /**
   * Records the bundle's abort, unless one was recorded (or attempted) already.
   *
   * @return true if this call recorded the abort; false if the bundle's abort was already
   *     recorded, or if the ledger failed (then the failure is logged and the abort is lost)
   */
  public boolean record(AbortReason reason) {
    Objects.requireNonNull(reason, "reason");
    synchronized (this) {
      if (recorded != null) {
        return false;
      }
      recorded = reason;
    }
    try {
      AbortRecord r = ledger.recordAbort(licensee, reason.code());
      LOG.log(System.Logger.Level.INFO, "licensee {0}: bundle aborted ({1}), {2} aborts so far",
          licensee, reason, r.count());
      return true;
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "licensee {0}: the abort ({1}) could not be recorded: {2}",
          licensee, reason, e.getClass().getSimpleName());
      return false;
    }
  }

  /** The reason recorded (or attempted) for this bundle, or null if none. */
  public synchronized AbortReason recorded() {
    return recorded;
  }

  /** The licensee the bundle belongs to. */
  public KeyId licensee() {
    return licensee;
  }
}
