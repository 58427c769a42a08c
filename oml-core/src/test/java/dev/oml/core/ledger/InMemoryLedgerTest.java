package dev.oml.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionFixture;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.permission.PolicyViolationException;
import dev.oml.core.permission.VerifiedPermission;
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
}
