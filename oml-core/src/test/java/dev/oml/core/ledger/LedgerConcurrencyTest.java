package dev.oml.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.permission.VerifiedPermission;
import dev.oml.testkit.PermissionFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * N threads spend permissions with various {@code n} against one quota Q at once. The oracle is
 * arithmetic on what the threads saw: the sum of accepted {@code n} equals the ledger's charge
 * and never exceeds Q; every refusal is a quota refusal that was necessary (its {@code n} does
 * not fit even in what remains at the end, since charges only grow); no permission is both
 * accepted and refused; and of several threads racing to spend one permission exactly one wins.
 */
class LedgerConcurrencyTest {
  private static final int THREADS = 8;
  private static final int PER_THREAD = 40;
  private static final long QUOTA = 1_000;

  @TempDir Path dir;

  @Test
  void inMemoryLedgerNeverOverchargesUnderConcurrency() throws Exception {
    PermissionFixture fx = new PermissionFixture(QUOTA, 0);
    run(fx, new InMemoryLedger(fx.policy::quotaOf), 1);
  }

  @Test
  void fileLedgerNeverOverchargesUnderConcurrency() throws Exception {
    PermissionFixture fx = new PermissionFixture(QUOTA, 0);
    try (FileLedger ledger = FileLedger.open(dir.resolve("ledger"), fx.policy::quotaOf)) {
      run(fx, ledger, 2);
    }
    // and the durable state agrees after a restart
    try (FileLedger again = FileLedger.open(dir.resolve("ledger"), fx.policy::quotaOf)) {
      assertTrue(again.charged(fx.licenseeA.keyId()) <= QUOTA);
    }
  }

  private void run(PermissionFixture fx, PermissionLedger ledger, long seed) throws Exception {
    Random rnd = new Random(seed);
    List<List<VerifiedPermission>> work = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      List<VerifiedPermission> mine = new ArrayList<>();
      for (int i = 0; i < PER_THREAD; i++) {
        mine.add(fx.verifiedA(1 + rnd.nextInt(40)));
      }
      work.add(mine);
    }
    VerifiedPermission contested = fx.verifiedA(1);
    ConcurrentLinkedQueue<VerifiedPermission> accepted = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<QuotaExceededException> refused = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    AtomicInteger contestedWins = new AtomicInteger();
    AtomicInteger contestedReplays = new AtomicInteger();
    AtomicInteger contestedQuota = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      List<VerifiedPermission> mine = work.get(t);
      Thread th = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < mine.size(); i++) {
            if (i == PER_THREAD / 2) {
              try {
                ledger.spend(contested);
                contestedWins.incrementAndGet();
              } catch (PermissionReplayedException e) {
                contestedReplays.incrementAndGet();
              } catch (QuotaExceededException e) {
                contestedQuota.incrementAndGet();
              }
            }
            try {
              ledger.spend(mine.get(i));
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
    start.countDown();
    for (Thread th : threads) {
      th.join();
    }
    assertTrue(unexpected.isEmpty(), () -> "unexpected: " + unexpected);
    long charged = ledger.charged(fx.licenseeA.keyId());
    long sum = accepted.stream().mapToLong(VerifiedPermission::inferences).sum()
        + contestedWins.get();
    assertEquals(sum, charged, "every accepted n charged exactly once");
    assertTrue(charged <= QUOTA, "charged " + charged + " > quota " + QUOTA);
    assertEquals(THREADS, contestedWins.get() + contestedReplays.get() + contestedQuota.get());
    assertTrue(contestedWins.get() <= 1, "one permission spent twice");
    assertTrue(contestedWins.get() == 1 || contestedReplays.get() == 0, "replay of an unspent permission");
    assertEquals(THREADS * PER_THREAD, accepted.size() + refused.size());
    for (QuotaExceededException e : refused) {
      assertTrue(e.charged() + e.requested() > e.quota(), "refusal that was not necessary: " + e.getMessage());
      assertTrue(charged + e.requested() > QUOTA, "refused n=" + e.requested() + " would still fit");
    }
    // The workload must actually reach the quota, or the test proves nothing.
    assertTrue(!refused.isEmpty() && QUOTA - charged < 40, "quota not exhausted: " + charged);
    for (VerifiedPermission p : accepted) {
      assertTrue(ledger.isSpent(p.nonce()));
    }
  }
}
