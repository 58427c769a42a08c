package dev.oml.service.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.ledger.LedgerException;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.ledger.QuotaExceededException;
import dev.oml.core.permission.VerifiedPermission;
import dev.oml.testkit.PermissionFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What is particular to the PostgreSQL ledger: replicas opening one new database together create
 * its tables once; a schema newer than this release is refused; a wrong password is a typed
 * configuration error that does not show the password; and the attack test of its two database
 * constraints: with the nonce's primary key and the quota CHECK removed, two replicas visibly
 * accept a replay and a spend beyond the quota; with them, both are refused.
 */
class PostgresLedgerTest {
  private static PostgresCluster pg;

  @BeforeAll
  static void startPostgres() {
    pg = PostgresCluster.start();
  }

  @org.junit.jupiter.api.BeforeEach
  void needsPostgres() {
    PostgresCluster.require(pg);
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  void replicasOpeningANewDatabaseTogetherMigrateItOnce() throws Exception {
    pg.createDatabase("migrate");
    PermissionFixture fx = new PermissionFixture(10, 0);
    ExecutorService ex = Executors.newFixedThreadPool(3);
    List<Future<PostgresLedger>> opening = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      opening.add(ex.submit(() -> PostgresLedger.open(pg.config("migrate").poolSize(2).build(),
          fx.policy::quotaOf)));
    }
    List<PostgresLedger> replicas = new ArrayList<>();
    try {
      for (Future<PostgresLedger> f : opening) {
        replicas.add(f.get());
      }
      for (PostgresLedger l : replicas) {
        assertEquals(PostgresLedger.SCHEMA_VERSION, l.schemaVersion());
      }
      VerifiedPermission p = fx.verifiedA(2);
      replicas.get(0).spend(p);
      assertTrue(replicas.get(2).isSpent(p.nonce()));
    } finally {
      replicas.forEach(PostgresLedger::close);
      ex.shutdownNow();
    }
    try (PostgresLedger again = PostgresLedger.open(pg.config("migrate").build(), fx.policy::quotaOf)) {
      assertEquals(2, again.charged(fx.licenseeA.keyId()));
    }
    pg.sql("migrate", "INSERT INTO oml_ledger_schema (version) VALUES (" + (PostgresLedger.SCHEMA_VERSION + 1) + ")");
    LedgerException e = assertThrows(LedgerException.class,
        () -> PostgresLedger.open(pg.config("migrate").build(), fx.policy::quotaOf));
    assertTrue(e.getMessage().contains("newer"), e.getMessage());
  }

  @Test
  void aWrongPasswordIsAConfigurationErrorThatDoesNotShowIt() {
    pg.createDatabase("login");
    PermissionFixture fx = new PermissionFixture(10, 0);
    String wrong = "not-the-password-7731";
    LedgerConfigException e = assertThrows(LedgerConfigException.class, () -> PostgresLedger.open(
        pg.config("login").password(wrong.toCharArray()).build(), fx.policy::quotaOf));
    assertEquals("user", e.setting());
    assertFalse(e.getMessage().contains(wrong), e.getMessage());
    assertFalse(e.getMessage().contains(pg.password()), e.getMessage());
  }

  @Test
  void theDatabaseConstraintsAreWhatRefuseAReplayAndAnOverdraftAcrossReplicas() {
    for (boolean constraints : new boolean[] {true, false}) {
      String db = constraints ? "guarded" : "unguarded";
      pg.createDatabase(db);
      PermissionFixture fx = new PermissionFixture(10, 0);
      try (PermissionLedger one = PostgresLedger.open(pg.config(db).build(), fx.policy::quotaOf);
          PermissionLedger two = PostgresLedger.open(pg.config(db).build(), fx.policy::quotaOf)) {
        if (!constraints) {
          // the attack: the two checks the ledger relies on are gone from the database
          pg.sql(db, "ALTER TABLE oml_spend DROP CONSTRAINT oml_spend_pkey",
              "ALTER TABLE oml_charge DROP CONSTRAINT oml_charge_within_quota");
        }
        VerifiedPermission p = fx.verifiedA(6);
        one.spend(p);
        VerifiedPermission five = fx.verifiedA(5);
        if (constraints) {
          assertThrows(PermissionReplayedException.class, () -> two.spend(p));
          assertThrows(QuotaExceededException.class, () -> two.spend(five));
          assertEquals(6, one.charged(fx.licenseeA.keyId()));
        } else {
          two.spend(p); // the replay is accepted at the second replica ...
          two.spend(five); // ... and the licensee goes beyond its quota of 10
          assertEquals(17, one.charged(fx.licenseeA.keyId()));
        }
      }
    }
  }

  @Test
  void anOwnerDirectoryWithLedgerPropertiesOpensTheSharedLedger(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    pg.createDatabase("ownerdir");
    dev.oml.service.server.OwnerHome home = dev.oml.service.server.OwnerHome.init(dir,
        new java.security.SecureRandom());
    java.nio.file.Path pw = dir.resolve("ledger.password");
    java.nio.file.Files.writeString(pw, pg.password() + "\n");
    java.nio.file.Files.setPosixFilePermissions(pw,
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    home.useSharedLedger(pg.jdbcUrl("ownerdir"), pg.user(), pw, null);
    PermissionFixture fx = new PermissionFixture(10, 0);
    dev.oml.core.permission.PermissionPolicy policy = fx.policy;
    VerifiedPermission p = fx.verifiedA(3);
    try (PermissionLedger l = home.openLedger(policy)) {
      assertTrue(l instanceof PostgresLedger, l.toString());
      l.spend(p);
    }
    // a second replica with a copy of the directory sees the same ledger
    try (PermissionLedger l = home.openLedger(policy)) {
      assertThrows(PermissionReplayedException.class, () -> l.spend(p));
      assertEquals(3, l.charged(fx.licenseeA.keyId()));
    }
  }
}
