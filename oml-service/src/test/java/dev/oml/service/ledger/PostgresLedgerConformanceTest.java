package dev.oml.service.ledger;

import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.ledger.QuotaSource;
import dev.oml.testkit.DurableLedgerConformance;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The ledger contract on {@link PostgresLedger} against a real PostgreSQL server, one fresh
 * database per test; "restart" closes the pool and opens a new one on the same database. A failed
 * write loses its database session after the transaction's first statement, as a server crash
 * mid-transaction would.
 */
class PostgresLedgerConformanceTest extends DurableLedgerConformance {
  private static PostgresCluster pg;
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private String database;

  @BeforeAll
  static void startPostgres() {
    pg = PostgresCluster.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) {
      pg.close();
    }
  }

  @BeforeEach
  void freshDatabase() {
    PostgresCluster.require(pg);
    database = "conformance" + DATABASES.incrementAndGet();
    pg.createDatabase(database);
  }

  @Override
  protected PermissionLedger open(QuotaSource quotas, Clock clock) {
    return PostgresLedger.open(pg.config(database).build(), quotas, clock);
  }

  @Override
  protected void failNextWrite(PermissionLedger ledger) {
    ((PostgresLedger) ledger).killSessionAfterFirstStatement();
  }
}
