package dev.oml.core.ledger;

import dev.oml.core.keys.KeyId;
import dev.oml.core.permission.VerifiedPermission;
import java.time.Clock;
import java.util.Objects;

/**
 * A ledger held in memory only: correct and atomic within one process, forgotten on restart.
 * For tests and for owners who accept that a restart lets old (still unexpired) permissions be
 * replayed and resets quotas; everyone else uses {@link FileLedger}.
 */
public final class InMemoryLedger implements PermissionLedger {
  private final QuotaSource quotas;
  private final Clock clock;
  private final LedgerState state;

  public InMemoryLedger(QuotaSource quotas) {
    this(quotas, Clock.systemUTC());
  }

  /** A ledger whose clock decides when nonces of long-expired permissions may be forgotten. */
  public InMemoryLedger(QuotaSource quotas, Clock clock) {
    this(quotas, clock, LedgerState.DEFAULT_PRUNE_AT);
  }

  InMemoryLedger(QuotaSource quotas, Clock clock, int pruneAt) {
    this.quotas = Objects.requireNonNull(quotas, "quotas");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.state = new LedgerState(pruneAt);
  }

  @Override
  public synchronized SpendReceipt spend(VerifiedPermission p) {
    long quota = quotas.quotaOf(p.licensee());
    byte[] nonce = p.nonce();
    state.check(nonce, p.licensee(), p.inferences(), quota, p.expiresAt());
    long after = state.apply(nonce, p.licensee(), p.inferences(), p.expiresAt().getEpochSecond());
    state.maybePrune(clock.instant());
    return new SpendReceipt(p, after, quota);
  }

  @Override
  public synchronized long charged(KeyId licensee) {
    return state.charged(licensee);
  }

  @Override
  public synchronized boolean isSpent(byte[] nonce) {
    return state.spent(nonce);
  }

  @Override
  public synchronized AbortRecord recordAbort(KeyId licensee, int reasonCode) {
    AbortRecord.checkReason(reasonCode);
    AbortRecord r = state.nextAbort(Objects.requireNonNull(licensee, "licensee"), reasonCode,
        clock.instant());
    state.setAborts(r);
    return r;
  }

  @Override
  public synchronized AbortRecord aborts(KeyId licensee) {
    return state.aborts(licensee);
  }

  @Override
  public void close() {}
}
