package dev.oml.service.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.ledger.LedgerUnavailableException;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.permission.VerifiedPermission;
import dev.oml.testkit.PermissionFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PostgreSQL crashes ({@code pg_ctl stop -m immediate}: no checkpoint, recovery from the WAL)
 * while two replicas' ledgers spend as fast as they can, and comes back. Every failure meanwhile
 * is a {@link LedgerUnavailableException}; the same ledger objects serve again afterwards;
 * every acknowledged spend survived; and every permission whose spend failed, retried once the
 * database is back, is either spent then or refused as a replay (its commit had gone through
 * before the connection broke), so in the end each permission is charged exactly once: the
 * licensee's charge equals the sum of all their {@code n}.
 */
class PostgresRestartTest {
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
  @Timeout(240)
  void aDatabaseCrashMidLoadFailsTypedAndLosesOrDoublesNothing() throws Exception {
    pg.createDatabase("restart");
    PermissionFixture fx = new PermissionFixture(1_000_000, 0);
    int threads = 4;
    // enough that the load is still running when the database goes down on any machine; each
    // thread stops 20 spends after the restart
    int each = 400;
    List<List<VerifiedPermission>> work = new ArrayList<>();
    List<VerifiedPermission> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      List<VerifiedPermission> mine = new ArrayList<>();
      for (int i = 0; i < each; i++) {
        mine.add(fx.verifiedA(1 + (i % 5)));
      }
      work.add(mine);
      all.addAll(mine);
    }
    try (PermissionLedger one = PostgresLedger.open(pg.config("restart").build(), fx.policy::quotaOf);
        PermissionLedger two = PostgresLedger.open(pg.config("restart").build(), fx.policy::quotaOf)) {
      ConcurrentLinkedQueue<VerifiedPermission> attempted = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<VerifiedPermission> acked = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<VerifiedPermission> failed = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
      AtomicInteger afterRestart = new AtomicInteger();
      CountDownLatch restarted = new CountDownLatch(1);
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        PermissionLedger ledger = t % 2 == 0 ? one : two;
        List<VerifiedPermission> mine = work.get(t);
        Thread th = new Thread(() -> {
          int mineAfter = 0;
          for (VerifiedPermission p : mine) {
            if (mineAfter >= 20) {
              return;
            }
            try {
              attempted.add(p);
              ledger.spend(p);
              acked.add(p);
              if (restarted.getCount() == 0) {
                afterRestart.incrementAndGet();
                mineAfter++;
              }
            } catch (LedgerUnavailableException e) {
              failed.add(p);
              try {
                Thread.sleep(50);
              } catch (InterruptedException ie) {
                return;
              }
            } catch (Throwable e) {
              unexpected.add(e);
            }
          }
        });
        ts.add(th);
        th.start();
      }
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (acked.size() < 40 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      pg.stop("immediate");
      Thread.sleep(1500);
      pg.startServer();
      restarted.countDown();
      for (Thread th : ts) {
        th.join();
      }
      assertTrue(unexpected.isEmpty(), () -> "untyped failures: " + unexpected);
      assertFalse(failed.isEmpty(), "the crash did not hit the load; the test proves nothing");
      assertTrue(afterRestart.get() > 0, "no spend succeeded after the database came back");
      for (VerifiedPermission p : acked) {
        assertTrue(one.isSpent(p.nonce()), "an acknowledged spend was lost in the crash");
      }
      int replayed = 0;
      for (VerifiedPermission p : failed) {
        try {
          two.spend(p);
        } catch (PermissionReplayedException e) {
          replayed++; // its commit reached the database before the connection broke
        }
      }
      assertTrue(attempted.size() < all.size(), "the load ran out before the restart");
      long sum = attempted.stream().mapToLong(VerifiedPermission::inferences).sum();
      assertEquals(sum, one.charged(fx.licenseeA.keyId()), "charged twice or lost (" + failed.size()
          + " failed, " + replayed + " of them had been recorded)");
      assertEquals(acked.size() + failed.size(), attempted.size());
    }
  }
}
