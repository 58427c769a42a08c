package dev.oml.core.ledger;

import dev.oml.testkit.LedgerConformance;
import java.time.Clock;

/** The ledger contract on {@link InMemoryLedger}. */
class InMemoryLedgerConformanceTest extends LedgerConformance {
  @Override
  protected PermissionLedger open(QuotaSource quotas, Clock clock) {
    return new InMemoryLedger(quotas, clock);
  }
}
