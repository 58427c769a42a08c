package dev.oml.core.ledger;

import dev.oml.testkit.DurableLedgerConformance;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger contract on {@link FileLedger}; a failed write tears the record halfway, as a full
 * disk or an I/O error would.
 */
class FileLedgerConformanceTest extends DurableLedgerConformance {
  @TempDir Path dir;

  @Override
  protected PermissionLedger open(QuotaSource quotas, Clock clock) {
    return FileLedger.open(dir.resolve("ledger"), quotas, clock);
  }

  @Override
  protected void failNextWrite(PermissionLedger ledger) {
    ((FileLedger) ledger).tearNextAppend(FileLedger.RECORD_BYTES / 2);
  }
}
