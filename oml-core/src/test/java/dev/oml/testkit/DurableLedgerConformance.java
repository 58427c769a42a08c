package dev.oml.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.KeyId;
import dev.oml.core.ledger.AbortRecord;
import dev.oml.core.ledger.LedgerException;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.ledger.QuotaExceededException;
import dev.oml.core.permission.VerifiedPermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link LedgerConformance} plus what a durable ledger (file, PostgreSQL) must add: a restart
 * keeps every spend, charge and abort; a write that fails partway (a torn file record, a
 * transaction broken after its first statement) is refused with a {@link LedgerException} and
 * changes nothing, in memory or after a restart, and the ledger goes on serving.
 */
public abstract class DurableLedgerConformance extends LedgerConformance {
  /**
   * Makes the next write of {@code ledger} fail partway through: part of the record or
   * transaction reaches the store, then the write fails.
   */
  protected abstract void failNextWrite(PermissionLedger ledger);

  @Test
  void aRestartKeepsEverySpendChargeAndAbort() {
    PermissionFixture fx = new PermissionFixture(40, 10);
    KeyId a = fx.licenseeA.keyId();
    KeyId b = fx.licenseeB.keyId();
    List<VerifiedPermission> spent = new ArrayList<>();
    AbortRecord abortsA;
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      for (int n : new int[] {5, 9, 14}) {
        VerifiedPermission p = fx.verifiedA(n);
        l.spend(p);
        spent.add(p);
      }
      VerifiedPermission pb = fx.verifiedB(10);
      l.spend(pb);
      spent.add(pb);
      l.recordAbort(a, 7);
      fx.clock.advance(Duration.ofMinutes(1));
      abortsA = l.recordAbort(a, 9);
    }
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      assertEquals(28, l.charged(a));
      assertEquals(10, l.charged(b));
      for (VerifiedPermission p : spent) {
        assertTrue(l.isSpent(p.nonce()));
        assertThrows(PermissionReplayedException.class, () -> l.spend(p));
      }
      assertEquals(abortsA, l.aborts(a));
      assertEquals(new AbortRecord(a, 2, 9, PermissionFixture.T0.plusSeconds(60)), l.aborts(a));
      assertEquals(AbortRecord.none(b), l.aborts(b));
      // the quota goes on from the recovered charge, exactly
      assertThrows(QuotaExceededException.class, () -> l.spend(fx.verifiedB(1)));
      assertThrows(QuotaExceededException.class, () -> l.spend(fx.verifiedA(13)));
      assertEquals(40, l.spend(fx.verifiedA(12)).chargedAfter());
      assertEquals(3, l.recordAbort(a, 1).count());
    }
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      assertEquals(40, l.charged(a));
      assertEquals(3, l.aborts(a).count());
    }
  }

  @Test
  void aSpendWhoseWriteFailsChangesNothing() {
    PermissionFixture fx = new PermissionFixture(100, 0);
    KeyId a = fx.licenseeA.keyId();
    VerifiedPermission first = fx.verifiedA(3);
    VerifiedPermission failed = fx.verifiedA(4);
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      l.spend(first);
      failNextWrite(l);
      assertThrows(LedgerException.class, () -> l.spend(failed));
      assertFalse(l.isSpent(failed.nonce()));
      assertEquals(3, l.charged(a));
    }
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      assertFalse(l.isSpent(failed.nonce()), "a failed spend reappeared after a restart");
      assertEquals(3, l.charged(a));
      // it was never charged, so it is not a replay: it can be spent now, once
      assertEquals(7, l.spend(failed).chargedAfter());
      assertEquals(12, l.spend(fx.verifiedA(5)).chargedAfter());
    }
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      assertEquals(12, l.charged(a));
      assertThrows(PermissionReplayedException.class, () -> l.spend(failed));
    }
  }

  @Test
  void theLedgerServesOnAfterAFailedWrite() {
    PermissionFixture fx = new PermissionFixture(100, 0);
    KeyId a = fx.licenseeA.keyId();
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      l.spend(fx.verifiedA(1));
      failNextWrite(l);
      VerifiedPermission p = fx.verifiedA(2);
      assertThrows(LedgerException.class, () -> l.spend(p));
      assertEquals(3, l.spend(p).chargedAfter());
      assertEquals(4, l.spend(fx.verifiedA(1)).chargedAfter());
    }
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      assertEquals(4, l.charged(a));
    }
  }

  @Test
  void anAbortWhoseWriteFailsIsNotCounted() {
    PermissionFixture fx = new PermissionFixture(100, 0);
    KeyId a = fx.licenseeA.keyId();
    AbortRecord one;
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      one = l.recordAbort(a, 5);
      fx.clock.advance(Duration.ofSeconds(5));
      failNextWrite(l);
      assertThrows(LedgerException.class, () -> l.recordAbort(a, 6));
      assertEquals(one, l.aborts(a));
    }
    try (PermissionLedger l = open(fx.policy::quotaOf, fx.clock)) {
      assertEquals(one, l.aborts(a));
      assertEquals(new AbortRecord(a, 2, 6, PermissionFixture.T0.plusSeconds(5)), l.recordAbort(a, 6));
    }
  }
}
