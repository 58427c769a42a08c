package dev.oml.core.ledger;

import dev.oml.core.keys.KeyId;
import dev.oml.core.permission.VerifiedPermission;

/**
 * Records spent permissions. {@link #spend} is atomic: it refuses a nonce seen before, refuses
 * a permission whose {@code n} would take its licensee beyond its quota, and otherwise records
 * the nonce and charges exactly {@code n}, all as one step even under concurrent callers. The
 * owner calls it right after verification and before any work that depends on the query; a
 * permission is spent from the moment {@code spend} returns, whether or not the query then
 * completes. The ledger also counts aborted queries per licensee ({@link #recordAbort}), so that
 * an owner can suspend a licensee that keeps aborting. Implementations: {@link InMemoryLedger}
 * (tests, one process), {@link FileLedger} (durable, the default for an owner service) and the
 * PostgreSQL ledger of {@code oml-service} (durable, shared by several owner servers).
 */
public interface PermissionLedger extends AutoCloseable {
  /**
   * Spends a permission.
   *
   * @return the receipt that owner-side work can demand
   * @throws PermissionReplayedException if its nonce was spent before
   * @throws dev.oml.core.permission.PermissionExpiredException if it expired so long ago that the
   *     ledger may have forgotten its nonce
   * @throws QuotaExceededException if its {@code n} does not fit in the licensee's quota
   * @throws LedgerException if the spend cannot be recorded (then it is not charged)
   */
  SpendReceipt spend(VerifiedPermission permission);

  /** Inferences charged to a licensee so far. */
  long charged(KeyId licensee);

  /**
   * True if a permission with this nonce was spent. Nonces of permissions that expired more than
   * the largest allowed clock skew ago may be forgotten in memory; {@link #spend} refuses those
   * permissions as expired, so forgetting never reopens a replay.
   */
  boolean isSpent(byte[] nonce);

  /**
   * Records one aborted query of {@code licensee}: adds one to its abort count and sets the last
   * reason code and time, as one atomic and (for a durable ledger) durable step.
   *
   * @param reasonCode the protocol's abort code, 0..{@value AbortRecord#MAX_REASON}
   * @return the licensee's aborts including this one
   * @throws IllegalArgumentException if the reason code is out of range (nothing is recorded)
   * @throws LedgerException if the abort cannot be recorded (then it is not counted)
   */
  AbortRecord recordAbort(KeyId licensee, int reasonCode);

  /** The aborts recorded for a licensee so far ({@link AbortRecord#none} if none). */
  AbortRecord aborts(KeyId licensee);

  @Override
  void close();
}
