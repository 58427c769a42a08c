package dev.oml.core.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.permission.VerifiedPermission;
import dev.oml.testkit.PermissionFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability of the file ledger: a replay is refused after a restart; a crash that tears the
 * last record at any byte offset (cut short, or filled with garbage or zeros) recovers to a
 * ledger that starts, still refuses every acknowledged spend, and keeps appending correctly;
 * damage before the last record refuses to start; a second opener is locked out.
 */
class FileLedgerTest {
  private static final int SPENDS = 5;

  @TempDir Path dir;
  private final PermissionFixture fx = new PermissionFixture(1_000_000, 0);

  @Test
  void replayIsRefusedAfterRestart() {
    Path file = dir.resolve("ledger");
    VerifiedPermission p = fx.verifiedA(7);
    try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf)) {
      l.spend(p);
    }
    try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf)) {
      assertEquals(1, l.recoveredRecords());
      assertEquals(0, l.discardedBytes());
      assertEquals(7, l.charged(fx.licenseeA.keyId()));
      assertThrows(PermissionReplayedException.class, () -> l.spend(p));
    }
  }

  @Test
  void quotaSurvivesRestart() {
    PermissionFixture small = new PermissionFixture(10, 0);
    Path file = dir.resolve("ledger");
    try (FileLedger l = FileLedger.open(file, small.policy::quotaOf)) {
      l.spend(small.verifiedA(8));
    }
    try (FileLedger l = FileLedger.open(file, small.policy::quotaOf)) {
      assertThrows(QuotaExceededException.class, () -> l.spend(small.verifiedA(3)));
      l.spend(small.verifiedA(2));
    }
  }

  @Test
  void tornLastRecordAtEveryOffsetRecoversWithoutForgettingAcknowledgedSpends() throws IOException {
    Path file = dir.resolve("ledger");
    List<VerifiedPermission> spent = new ArrayList<>();
    try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf)) {
      for (int i = 0; i < SPENDS; i++) {
        VerifiedPermission p = fx.verifiedA(i + 1);
        l.spend(p);
        spent.add(p);
      }
    }
    byte[] full = Files.readAllBytes(file);
    assertEquals(FileLedger.HEADER_BYTES + SPENDS * FileLedger.RECORD_BYTES, full.length);
    int lastStart = full.length - FileLedger.RECORD_BYTES;
    Random rnd = new Random(3);
    for (int cut = lastStart; cut <= full.length; cut++) {
      // three torn shapes: cut short, tail overwritten with garbage, tail zero-filled
      for (int shape = 0; shape < (cut == full.length ? 1 : 3); shape++) {
        byte[] torn;
        if (shape == 0) {
          torn = Arrays.copyOf(full, cut);
        } else {
          torn = full.clone();
          for (int i = cut; i < torn.length; i++) {
            // garbage always differs from the byte it replaces; a zero-filled tail that was
            // already zero is not torn at all, so that case is skipped below
            torn[i] = shape == 1 ? (byte) (full[i] ^ (1 + rnd.nextInt(255))) : 0;
          }
          if (Arrays.equals(torn, full)) {
            continue;
          }
        }
        Files.write(file, torn);
        boolean lastAcknowledged = cut == full.length;
        try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf)) {
          assertEquals(lastAcknowledged ? SPENDS : SPENDS - 1, l.recoveredRecords(), "cut " + cut);
          for (int i = 0; i < SPENDS - 1; i++) {
            VerifiedPermission p = spent.get(i);
            assertThrows(PermissionReplayedException.class, () -> l.spend(p), "cut " + cut);
          }
          VerifiedPermission last = spent.get(SPENDS - 1);
          if (lastAcknowledged) {
            assertThrows(PermissionReplayedException.class, () -> l.spend(last));
          } else {
            // never acknowledged, so it may be spent now; it is then recorded properly
            l.spend(last);
          }
          assertEquals(SPENDS * (SPENDS + 1) / 2, l.charged(fx.licenseeA.keyId()));
        }
        byte[] after = Files.readAllBytes(file);
        assertArrayEquals(Arrays.copyOf(full, lastStart), Arrays.copyOf(after, lastStart), "cut " + cut);
        assertEquals(full.length, after.length, "cut " + cut);
        try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf)) {
          assertEquals(SPENDS, l.recoveredRecords());
          assertEquals(0, l.discardedBytes());
        }
      }
    }
  }

  @Test
  void damageBeforeTheLastRecordRefusesToStart() throws IOException {
    Path file = dir.resolve("ledger");
    try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf)) {
      for (int i = 0; i < SPENDS; i++) {
        l.spend(fx.verifiedA(1));
      }
    }
    byte[] full = Files.readAllBytes(file);
    for (int i : new int[] {FileLedger.HEADER_BYTES + 5, FileLedger.HEADER_BYTES + 2 * FileLedger.RECORD_BYTES + 40}) {
      byte[] bad = full.clone();
      bad[i] ^= 0x10;
      Files.write(file, bad);
      assertThrows(LedgerException.class, () -> FileLedger.open(file, fx.policy::quotaOf));
    }
    byte[] header = full.clone();
    header[3] ^= 1;
    Files.write(file, header);
    assertThrows(LedgerException.class, () -> FileLedger.open(file, fx.policy::quotaOf));
  }

  @Test
  void secondOpenerIsLockedOut() {
    Path file = dir.resolve("ledger");
    try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf)) {
      assertThrows(LedgerException.class, () -> FileLedger.open(file, fx.policy::quotaOf));
    }
    FileLedger.open(file, fx.policy::quotaOf).close();
  }

  @Test
  void fileIsOwnerOnly() throws IOException {
    Path file = dir.resolve("ledger");
    FileLedger.open(file, fx.policy::quotaOf).close();
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(file)));
    }
  }

  @Test
  void measuresDurableSpendRate() {
    Path file = dir.resolve("ledger");
    List<VerifiedPermission> ps = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ps.add(fx.verifiedA(1));
    }
    try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf)) {
      long t0 = System.nanoTime();
      for (VerifiedPermission p : ps) {
        l.spend(p);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf("FileLedger: %d durable spends in %.3f s = %.0f spends/s%n", ps.size(),
          seconds, ps.size() / seconds);
      assertEquals(200, l.charged(fx.licenseeA.keyId()));
    }
  }

  @Test
  void recoveryForgetsOnlyExpiredNoncesAndStillRefusesTheirReplay() {
    Path file = dir.resolve("ledger");
    List<VerifiedPermission> old = new ArrayList<>();
    try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf, fx.clock, 4)) {
      for (int i = 0; i < 3; i++) {
        VerifiedPermission p = fx.verifiedA(1);
        l.spend(p);
        old.add(p);
      }
    }
    fx.clock.advance(java.time.Duration.ofDays(2));
    VerifiedPermission fresh = fx.verifiedA(1);
    try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf, fx.clock, 4)) {
      l.spend(fresh);
      l.spend(fx.verifiedA(1)); // reaches the pruning size
      assertEquals(5, l.charged(fx.licenseeA.keyId()));
      assertTrue(l.isSpent(fresh.nonce()));
      for (VerifiedPermission p : old) {
        assertThrows(dev.oml.core.permission.PermissionExpiredException.class, () -> l.spend(p));
      }
      assertThrows(PermissionReplayedException.class, () -> l.spend(fresh));
    }
    // after a restart with pruning at recovery, the same holds
    try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf, fx.clock, 2)) {
      assertEquals(5, l.recoveredRecords());
      for (VerifiedPermission p : old) {
        assertThrows(dev.oml.core.permission.PermissionExpiredException.class, () -> l.spend(p));
      }
      assertThrows(PermissionReplayedException.class, () -> l.spend(fresh));
    }
  }

  @Test
  void anInterruptedSpenderDoesNotBreakTheLedger() {
    // Server workers get interrupted (timeouts, shutdown); a FileChannel would close for good.
    Path file = dir.resolve("ledger");
    try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf)) {
      Thread.currentThread().interrupt();
      try {
        l.spend(fx.verifiedA(1));
      } finally {
        assertTrue(Thread.interrupted(), "the interrupt status is left for the caller");
      }
      l.spend(fx.verifiedA(2));
      assertEquals(3, l.charged(fx.licenseeA.keyId()));
    }
    try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf)) {
      assertEquals(2, l.recoveredRecords());
    }
  }
}
