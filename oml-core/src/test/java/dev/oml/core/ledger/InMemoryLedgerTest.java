package dev.oml.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.permission.PolicyViolationException;
import dev.oml.core.permission.VerifiedPermission;
import dev.oml.testkit.PermissionFixture;
import org.junit.jupiter.api.Test;

/** Replay and quota rules of the in-memory ledger (the same rules the file ledger must keep). */
class InMemoryLedgerTest {
  private final PermissionFixture fx = new PermissionFixture(10, 10);
  private final InMemoryLedger ledger = new InMemoryLedger(fx.policy::quotaOf);

  @Test
  void spendChargesExactlyNAndRefusesAReplay() {
    VerifiedPermission p = fx.verifiedA(4);
    assertFalse(ledger.isSpent(p.nonce()));
    SpendReceipt r = ledger.spend(p);
    assertEquals(4, r.chargedAfter());
    assertEquals(10, r.quota());
    assertTrue(ledger.isSpent(p.nonce()));
    assertThrows(PermissionReplayedException.class, () -> ledger.spend(p));
    assertEquals(4, ledger.charged(fx.licenseeA.keyId()));
    assertEquals(0, ledger.charged(fx.licenseeB.keyId()));
  }

  @Test
  void quotaIsChargedUpToItsLimitAndNotBeyond() {
    ledger.spend(fx.verifiedA(6));
    VerifiedPermission five = fx.verifiedA(5);
    QuotaExceededException e = assertThrows(QuotaExceededException.class, () -> ledger.spend(five));
    assertEquals(6, e.charged());
    assertEquals(5, e.requested());
    assertEquals(10, e.quota());
    // a refused spend leaves its nonce unspent and charges nothing
    assertFalse(ledger.isSpent(five.nonce()));
    assertEquals(6, ledger.charged(fx.licenseeA.keyId()));
    assertEquals(10, ledger.spend(fx.verifiedA(4)).chargedAfter());
    assertThrows(QuotaExceededException.class, () -> ledger.spend(fx.verifiedA(1)));
  }

  @Test
  void issuerWithAChargeViewRefusesWhatNoLongerFits() {
    PermissionIssuer issuer = new PermissionIssuer(fx.owner, fx.policy, fx.clock, fx.random, ledger::charged);
    ledger.spend(fx.verifiedA(7));
    Binding b = Binding.ofFirstMessage(new byte[3]);
    issuer.issue(PermitRequest.create(fx.licenseeA, fx.modelA, InferenceMode.TWO_PARTY, 3, b, fx.clock.instant()));
    assertThrows(PolicyViolationException.class, () -> issuer.issue(PermitRequest.create(
        fx.licenseeA, fx.modelA, InferenceMode.TWO_PARTY, 4, b, fx.clock.instant())));
  }

  @Test
  void forgottenNoncesOfExpiredPermissionsCanNeverBeSpentAgain() {
    PermissionFixture big = new PermissionFixture(1_000_000, 0);
    InMemoryLedger small = new InMemoryLedger(big.policy::quotaOf, big.clock, 8);
    java.util.List<VerifiedPermission> old = new java.util.ArrayList<>();
    for (int i = 0; i < 7; i++) {
      VerifiedPermission p = big.verifiedA(1);
      small.spend(p);
      old.add(p);
    }
    // A day later: the next spend reaches the pruning size and forgets the expired nonces.
    big.clock.advance(java.time.Duration.ofDays(1));
    small.spend(big.verifiedA(1));
    assertFalse(small.isSpent(old.get(0).nonce()), "expired nonces are dropped from memory");
    for (VerifiedPermission p : old) {
      // ... but a replay is still refused: as expired, even if the clock is set back.
      big.clock.set(PermissionFixture.T0);
      assertThrows(dev.oml.core.permission.PermissionExpiredException.class, () -> small.spend(p));
    }
    assertEquals(8, small.charged(big.licenseeA.keyId()));
    // permissions that are still valid keep working and keep their replay protection
    big.clock.set(PermissionFixture.T0.plus(java.time.Duration.ofDays(1)));
    VerifiedPermission fresh = big.verifiedA(2);
    small.spend(fresh);
    assertThrows(PermissionReplayedException.class, () -> small.spend(fresh));
  }
}
