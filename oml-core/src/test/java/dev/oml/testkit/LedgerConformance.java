package dev.oml.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.KeyId;
import dev.oml.core.ledger.AbortRecord;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.ledger.QuotaExceededException;
import dev.oml.core.ledger.QuotaSource;
import dev.oml.core.ledger.SpendReceipt;
import dev.oml.core.permission.VerifiedPermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of {@link PermissionLedger}, run unchanged against every ledger (in memory, file,
 * PostgreSQL): a permission is spent once and charged exactly its {@code n}; a replay and a spend
 * beyond the quota are refused and change nothing; under concurrent spenders the charge equals
 * the sum of what was acknowledged and never exceeds the quota, and of several threads racing one
 * permission exactly one wins; aborts are counted exactly, per licensee, with their last reason.
 * The oracle is arithmetic over what the callers were told. A subclass says how to open the
 * ledger under test; {@link DurableLedgerConformance} adds restarts and failed writes.
 */
public abstract class LedgerConformance {
  /** Threads of the concurrency tests; each spends {@link #perThread()} permissions. */
  protected static final int THREADS = 6;

  /**
   * Opens the ledger under test on this test's storage: fresh for each test method, and the same
   * storage on every call within one test (durable ledgers reopen what they stored).
   */
  protected abstract PermissionLedger open(QuotaSource quotas, Clock clock);

  /** Permissions each thread spends in the concurrency test (a durable ledger syncs each one). */
  protected int perThread() {
    return 25;
  }

  @Test
  void spendChargesExactlyNAndRecordsTheNonce() {
    PermissionFixture fx = new PermissionFixture(100, 50);
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      VerifiedPermission a = fx.verifiedA(7);
      VerifiedPermission b = fx.verifiedB(3);
      assertFalse(l.isSpent(a.nonce()));
      SpendReceipt r = l.spend(a);
      assertSame(a, r.permission());
      assertEquals(7, r.chargedAfter());
      assertEquals(100, r.quota());
      assertEquals(3, l.spend(b).chargedAfter());
      assertEquals(12, l.spend(fx.verifiedA(5)).chargedAfter());
      assertTrue(l.isSpent(a.nonce()));
      assertTrue(l.isSpent(b.nonce()));
      assertFalse(l.isSpent(fx.bytes(16)));
      assertEquals(12, l.charged(fx.licenseeA.keyId()));
      assertEquals(3, l.charged(fx.licenseeB.keyId()));
    }
  }

  @Test
  void aReplayIsRefusedAndChargesNothing() {
    PermissionFixture fx = new PermissionFixture(100, 0);
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      VerifiedPermission p = fx.verifiedA(4);
      l.spend(p);
      for (int i = 0; i < 3; i++) {
        assertThrows(PermissionReplayedException.class, () -> l.spend(p));
      }
      assertEquals(4, l.charged(fx.licenseeA.keyId()));
    }
  }

  @Test
  void theQuotaIsChargedToItsLimitAndNotBeyond() {
    PermissionFixture fx = new PermissionFixture(10, 5);
    KeyId a = fx.licenseeA.keyId();
    AtomicLong quotaA = new AtomicLong(10);
    // B's permissions are issued under quota 5, but the ledger reads 0: a quota lowered to 0
    try (PermissionLedger l = open(k -> k.equals(a) ? quotaA.get() : 0, fx.clock)) {
      l.spend(fx.verifiedA(6));
      VerifiedPermission five = fx.verifiedA(5);
      QuotaExceededException e = assertThrows(QuotaExceededException.class, () -> l.spend(five));
      assertEquals(6, e.charged());
      assertEquals(5, e.requested());
      assertEquals(10, e.quota());
      assertEquals(a, e.licensee());
      // a refused spend leaves its nonce unspent and charges nothing
      assertFalse(l.isSpent(five.nonce()));
      assertEquals(6, l.charged(a));
      assertEquals(10, l.spend(fx.verifiedA(4)).chargedAfter());
      assertThrows(QuotaExceededException.class, () -> l.spend(fx.verifiedA(1)));
      // a licensee with quota 0 is refused outright
      assertThrows(QuotaExceededException.class, () -> l.spend(fx.verifiedB(1)));
      assertEquals(0, l.charged(fx.licenseeB.keyId()));
      // quotas are read at each spend: once raised, the refused permission is spendable
      quotaA.set(20);
      SpendReceipt r = l.spend(five);
      assertEquals(15, r.chargedAfter());
      assertEquals(20, r.quota());
      // and a quota lowered below the charge refuses everything
      quotaA.set(12);
      assertThrows(QuotaExceededException.class, () -> l.spend(fx.verifiedA(1)));
      assertEquals(15, l.charged(a));
    }
  }

  @Test
  void aFailingQuotaSourceChangesNothing() {
    PermissionFixture fx = new PermissionFixture(100, 0);
    RuntimeException boom = new IllegalStateException("policy unavailable");
    AtomicBoolean failing = new AtomicBoolean();
    QuotaSource flaky = k -> {
      if (failing.get()) {
        throw boom;
      }
      return fx.policy.quotaOf(k);
    };
    try (PermissionLedger l = open(flaky, fx.clock)) {
      l.spend(fx.verifiedA(2));
      VerifiedPermission p = fx.verifiedA(3);
      failing.set(true);
      RuntimeException e = assertThrows(RuntimeException.class, () -> l.spend(p));
      assertTrue(e == boom || e.getCause() == boom, "the quota source's failure: " + e);
      failing.set(false);
      assertFalse(l.isSpent(p.nonce()));
      assertEquals(2, l.charged(fx.licenseeA.keyId()));
      assertEquals(5, l.spend(p).chargedAfter());
    }
  }

  @Test
  @Timeout(120)
  void theQuotaHoldsExactlyUnderConcurrentSpenders() throws Exception {
    long quota = 400;
    PermissionFixture fx = new PermissionFixture(quota, 0);
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      int per = perThread();
      Random rnd = new Random(7);
      List<List<VerifiedPermission>> work = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        List<VerifiedPermission> mine = new ArrayList<>();
        for (int i = 0; i < per; i++) {
          mine.add(fx.verifiedA(1 + rnd.nextInt(20)));
        }
        work.add(mine);
      }
      VerifiedPermission contested = fx.verifiedA(1);
      ConcurrentLinkedQueue<VerifiedPermission> accepted = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<QuotaExceededException> refused = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
      AtomicInteger wins = new AtomicInteger();
      AtomicInteger replays = new AtomicInteger();
      AtomicInteger contestedQuota = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        List<VerifiedPermission> mine = work.get(t);
        Thread th = new Thread(() -> {
          try {
            go.await();
            for (int i = 0; i < mine.size(); i++) {
              if (i == per / 3) {
                try {
                  l.spend(contested);
                  wins.incrementAndGet();
                } catch (PermissionReplayedException e) {
                  replays.incrementAndGet();
                } catch (QuotaExceededException e) {
                  contestedQuota.incrementAndGet();
                }
              }
              try {
                l.spend(mine.get(i));
                accepted.add(mine.get(i));
              } catch (QuotaExceededException e) {
                refused.add(e);
              }
            }
          } catch (Throwable e) {
            unexpected.add(e);
          }
        });
        threads.add(th);
        th.start();
      }
      go.countDown();
      for (Thread th : threads) {
        th.join();
      }
      assertTrue(unexpected.isEmpty(), () -> "unexpected: " + unexpected);
      long charged = l.charged(fx.licenseeA.keyId());
      long sum = accepted.stream().mapToLong(VerifiedPermission::inferences).sum() + wins.get();
      assertEquals(sum, charged, "every accepted n charged exactly once");
      assertTrue(charged <= quota, "charged " + charged + " > quota " + quota);
      assertEquals(THREADS, wins.get() + replays.get() + contestedQuota.get());
      assertTrue(wins.get() <= 1, "one permission spent twice");
      assertTrue(wins.get() == 1 || replays.get() == 0, "replay of an unspent permission");
      assertEquals(THREADS * per, accepted.size() + refused.size());
      for (QuotaExceededException e : refused) {
        assertTrue(e.charged() + e.requested() > e.quota(), "unnecessary refusal: " + e.getMessage());
        assertTrue(charged + e.requested() > quota, "refused n=" + e.requested() + " would still fit");
      }
      // the workload must reach the quota, or the test proves nothing
      assertTrue(!refused.isEmpty() && quota - charged < 20, "quota not reached: " + charged);
      for (VerifiedPermission p : accepted) {
        assertTrue(l.isSpent(p.nonce()));
      }
    }
  }

  @Test
  void abortsAreCountedPerLicenseeWithTheirLastReason() {
    PermissionFixture fx = new PermissionFixture(100, 100);
    KeyId a = fx.licenseeA.keyId();
    KeyId b = fx.licenseeB.keyId();
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      assertEquals(AbortRecord.none(a), l.aborts(a));
      AbortRecord r1 = l.recordAbort(a, 3);
      assertEquals(new AbortRecord(a, 1, 3, PermissionFixture.T0), r1);
      fx.clock.advance(Duration.ofSeconds(90));
      AbortRecord r2 = l.recordAbort(a, 0xFFFF);
      assertEquals(new AbortRecord(a, 2, 0xFFFF, PermissionFixture.T0.plusSeconds(90)), r2);
      assertEquals(r2, l.aborts(a));
      assertEquals(new AbortRecord(b, 1, 0, PermissionFixture.T0.plusSeconds(90)), l.recordAbort(b, 0));
      // a bad reason code is refused and counts nothing
      assertThrows(IllegalArgumentException.class, () -> l.recordAbort(a, -1));
      assertThrows(IllegalArgumentException.class, () -> l.recordAbort(a, 0x10000));
      assertEquals(r2, l.aborts(a));
      // aborts and spends are separate: neither charges nor refunds the other
      assertEquals(0, l.charged(a));
      l.spend(fx.verifiedA(5));
      assertEquals(r2, l.aborts(a));
    }
  }

  @Test
  @Timeout(120)
  void concurrentAbortsAreAllCounted() throws Exception {
    PermissionFixture fx = new PermissionFixture(100, 0);
    KeyId a = fx.licenseeA.keyId();
    int per = 10;
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      ConcurrentLinkedQueue<Long> seen = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int reason = 100 + t;
        Thread th = new Thread(() -> {
          try {
            go.await();
            for (int i = 0; i < per; i++) {
              seen.add(l.recordAbort(a, reason).count());
            }
          } catch (Throwable e) {
            unexpected.add(e);
          }
        });
        threads.add(th);
        th.start();
      }
      go.countDown();
      for (Thread th : threads) {
        th.join();
      }
      assertTrue(unexpected.isEmpty(), () -> "unexpected: " + unexpected);
      // each abort got its own count: 1..N each exactly once, so none was lost or merged
      List<Long> counts = new ArrayList<>(seen);
      counts.sort(null);
      List<Long> expected = new ArrayList<>();
      for (long i = 1; i <= THREADS * per; i++) {
        expected.add(i);
      }
      assertEquals(expected, counts);
      AbortRecord last = l.aborts(a);
      assertEquals(THREADS * per, last.count());
      assertTrue(last.lastReason() >= 100 && last.lastReason() < 100 + THREADS);
    }
  }

  /** The time a durable ledger stores: whole seconds. */
  protected static Instant seconds(Instant t) {
    return Instant.ofEpochSecond(t.getEpochSecond());
  }
}
