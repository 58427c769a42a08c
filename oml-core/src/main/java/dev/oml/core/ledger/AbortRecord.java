package dev.oml.core.ledger;

import dev.oml.core.keys.KeyId;
import java.time.Instant;
import java.util.Objects;

/**
 * The aborted queries of one licensee as its ledger records them: how many so far, and the
 * reason code and time of the last one. A protocol that detects cheating (a failed MAC check, a
 * malformed message) records an abort; the owner suspends a licensee whose count reaches its
 * limit, so the count must be durable and shared by every server of the owner, like the quota.
 *
 * @param licensee whose aborts these are
 * @param count aborts recorded in all, 0 if none
 * @param lastReason reason code of the last abort (0..{@value #MAX_REASON}); 0 when there is none
 * @param lastAt time of the last abort; {@link Instant#EPOCH} when there is none
 */
public record AbortRecord(KeyId licensee, long count, int lastReason, Instant lastAt) {
  /** Largest reason code: codes are the protocols' 16-bit abort codes. */
  public static final int MAX_REASON = 0xFFFF;

  public AbortRecord {
    Objects.requireNonNull(licensee, "licensee");
    Objects.requireNonNull(lastAt, "lastAt");
    if (count < 0 || lastReason < 0 || lastReason > MAX_REASON) {
      throw new IllegalArgumentException("abort count " + count + " or reason " + lastReason
          + " out of range");
    }
  }

  /** A licensee without aborts. */
  public static AbortRecord none(KeyId licensee) {
    return new AbortRecord(licensee, 0, 0, Instant.EPOCH);
  }

  /**
   * Checks a reason code given to {@link PermissionLedger#recordAbort}.
   *
   * @throws IllegalArgumentException if it is not in 0..{@value #MAX_REASON}
   */
  public static int checkReason(int reasonCode) {
    if (reasonCode < 0 || reasonCode > MAX_REASON) {
      throw new IllegalArgumentException("abort reason code " + reasonCode + " is not in 0.."
          + MAX_REASON);
    }
    return reasonCode;
  }
}
