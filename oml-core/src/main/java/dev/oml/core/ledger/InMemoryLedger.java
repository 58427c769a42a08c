package dev.oml.core.ledger;

import dev.oml.core.keys.KeyId;
import dev.oml.core.permission.VerifiedPermission;
import java.util.Objects;

/**
 * A ledger held in memory only: correct and atomic within one process, forgotten on restart.
 * For tests and for owners who accept that a restart lets old (still unexpired) permissions be
 * replayed and resets quotas; everyone else uses {@link FileLedger}.
 */
public final class InMemoryLedger implements PermissionLedger {
  private final QuotaSource quotas;
  private final LedgerState state = new LedgerState();

  public InMemoryLedger(QuotaSource quotas) {
    this.quotas = Objects.requireNonNull(quotas, "quotas");
  }

  @Override
  public synchronized SpendReceipt spend(VerifiedPermission p) {
    long quota = quotas.quotaOf(p.licensee());
    byte[] nonce = p.nonce();
    state.check(nonce, p.licensee(), p.inferences(), quota);
    return new SpendReceipt(p, state.apply(nonce, p.licensee(), p.inferences()), quota);
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
  public void close() {}
}
