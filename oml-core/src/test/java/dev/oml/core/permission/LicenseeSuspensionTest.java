package dev.oml.core.permission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.KeyId;
import dev.oml.core.ledger.AbortReason;
import dev.oml.core.ledger.AbortRecord;
import dev.oml.core.ledger.AbortRecorder;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.ledger.LedgerUnavailableException;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.ledger.SpendReceipt;
import dev.oml.testkit.PermissionFixture;
import dev.oml.testkit.SuspensionSwitch;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The suspension rule: a licensee with {@code maxAborts} recorded aborts is refused at the permit
 * desk and at the gate with {@link LicenseeSuspendedException}, charged nothing, while one abort
 * fewer is still served; with the gate's check switched off the same licensee goes on.
 */
class LicenseeSuspensionTest {
  private final PermissionFixture fx = new PermissionFixture(100, 100);
  private final InMemoryLedger ledger = new InMemoryLedger(fx.policy::quotaOf);
  private final PermissionGate gate = new PermissionGate(fx.verifier, ledger);
  private final PermissionIssuer desk = new PermissionIssuer(fx.owner, fx.policy, fx.clock,
      fx.random, ledger::charged, l -> ledger.aborts(l).count());
  private final KeyId a = fx.licenseeA.keyId();

  private PermitRequest request() {
    return PermitRequest.create(fx.licenseeA, fx.modelA, InferenceMode.TWO_PARTY, 1,
        Binding.ofFirstMessage(fx.bytes(40)), fx.clock.instant());
  }

  /** A permission issued by the plain fixture issuer (no abort view), as a stockpiled one. */
  private PermittedQuery stockpiled() {
    byte[] payload = fx.bytes(64);
    return PermittedQuery.create(fx.licenseeA, fx.issueA(InferenceMode.TWO_PARTY, 1, payload),
        payload);
  }

  private SpendReceipt admit(PermittedQuery q) {
    return gate.admit(q, fx.modelA, InferenceMode.TWO_PARTY);
  }

  @Test
  void theDefaultLimitIsThreeAndTheBuilderRejectsLimitsOutOfRange() {
    assertEquals(3, fx.policy.maxAborts());
    assertEquals(PermissionPolicy.DEFAULT_MAX_ABORTS, fx.policy.maxAborts());
    for (int bad : new int[] {0, -1, PermissionPolicy.MAX_ABORTS_LIMIT + 1, Integer.MAX_VALUE}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> PermissionPolicy.builder().licensee(fx.licenseeA.publicKey(), 1).maxAborts(bad).build());
      assertTrue(e.getMessage().contains("maxAborts"), e.getMessage());
    }
    assertEquals(1, PermissionPolicy.builder().maxAborts(1).build().maxAborts());
    assertEquals(16, PermissionPolicy.builder().maxAborts(16).build().maxAborts());
    PermissionPolicy p = PermissionPolicy.builder().maxAborts(2).build();
    assertFalse(p.suspends(1));
    assertTrue(p.suspends(2));
  }

  @Test
  void belowTheLimitTheLicenseeIsServedAtTheLimitItIsRefusedAtDeskAndGate() {
    PermittedQuery held = stockpiled(); // issued before the aborts, spent after them
    for (int i = 0; i < fx.policy.maxAborts() - 1; i++) {
      ledger.recordAbort(a, AbortReason.CHECK_FAILED.code());
    }
    assertNotNull(desk.issue(request()));
    SpendReceipt ok = admit(stockpiled());
    assertEquals(1, ok.chargedAfter());

    ledger.recordAbort(a, AbortReason.MALFORMED_MESSAGE.code());
    LicenseeSuspendedException atDesk = assertThrows(LicenseeSuspendedException.class,
        () -> desk.issue(request()));
    assertEquals(3, atDesk.aborts());
    assertEquals(3, atDesk.limit());
    assertEquals(a, atDesk.licensee());
    assertTrue(atDesk.getMessage().contains("3 aborted queries"), atDesk.getMessage());

    LicenseeSuspendedException atGate = assertThrows(LicenseeSuspendedException.class,
        () -> admit(held));
    assertEquals(3, atGate.aborts());
    assertEquals(1, ledger.charged(a), "a refused permission is not charged");
    assertFalse(ledger.isSpent(held.token().unverifiedClaims().nonce()));

    // the other licensee is not affected
    assertNotNull(fx.issuer.issue(PermitRequest.create(fx.licenseeB, fx.modelB,
        InferenceMode.TWO_PARTY, 1, Binding.ofFirstMessage(fx.bytes(40)), fx.clock.instant())));
  }

  @Test
  void attackWithTheGateCheckOffASuspendedLicenseeGoesOnWithItOnItIsRefused() {
    // A licensee that stockpiled permits before its aborts keeps probing the MAC key.
    PermittedQuery[] held = new PermittedQuery[4];
    for (int i = 0; i < held.length; i++) {
      held[i] = stockpiled();
    }
    for (int i = 0; i < 5; i++) {
      ledger.recordAbort(a, AbortReason.CHECK_FAILED.code());
    }
    SuspensionSwitch.enforce(gate, false);
    try {
      admit(held[0]);
      admit(held[1]);
      assertEquals(2, ledger.charged(a), "without the check, 5 > 3 aborts and still served");
    } finally {
      SuspensionSwitch.enforce(gate, true);
    }
    assertThrows(LicenseeSuspendedException.class, () -> admit(held[2]));
    assertThrows(LicenseeSuspendedException.class, () -> admit(held[3]));
    assertEquals(2, ledger.charged(a));
  }

  @Test
  void aRaisedLimitLiftsTheSuspension() {
    for (int i = 0; i < 3; i++) {
      ledger.recordAbort(a, AbortReason.CHECK_FAILED.code());
    }
    PermissionPolicy raised = PermissionPolicy.builder()
        .licensee(fx.licenseeA.publicKey(), 100).model(fx.modelA, a)
        .maxInferencesPerPermission(10_000).validity(Duration.ofMinutes(10))
        .maxAborts(4).build();
    PermissionGate g = new PermissionGate(new PermissionVerifier(fx.owner.publicKey(), raised,
        fx.clock), ledger);
    assertEquals(1, g.admit(stockpiled(), fx.modelA, InferenceMode.TWO_PARTY).chargedAfter());
  }

  @Test
  void theRecorderCountsOneAbortPerBundleAndKeepsTheChargeAndSurvivesALedgerFailure() {
    SpendReceipt r = admit(stockpiled());
    AbortRecorder rec = gate.abortRecorder(r);
    assertNull(rec.recorded());
    assertTrue(rec.record(AbortReason.OUT_OF_ORDER));
    assertFalse(rec.record(AbortReason.PEER_HUNG_UP), "a bundle aborts once");
    AbortRecord got = ledger.aborts(a);
    assertEquals(1, got.count());
    assertEquals(AbortReason.OUT_OF_ORDER.code(), got.lastReason());
    assertEquals(AbortReason.OUT_OF_ORDER, AbortReason.ofCode(got.lastReason()));
    assertEquals(1, ledger.charged(a), "the charge stays");

    PermissionLedger broken = new FailingAborts(ledger);
    AbortRecorder lost = AbortRecorder.of(broken, admit(stockpiled()));
    assertFalse(lost.record(AbortReason.CHECK_FAILED), "a ledger failure is reported, not thrown");
    assertEquals(AbortReason.CHECK_FAILED, lost.recorded());
    assertEquals(1, ledger.aborts(a).count());
  }

  /** A ledger whose abort records fail, as an unreachable database would. */
  private static final class FailingAborts implements PermissionLedger {
    private final PermissionLedger inner;

    FailingAborts(PermissionLedger inner) {
      this.inner = inner;
    }

    @Override
    public SpendReceipt spend(VerifiedPermission permission) {
      return inner.spend(permission);
    }

    @Override
    public long charged(KeyId licensee) {
      return inner.charged(licensee);
    }

    @Override
    public boolean isSpent(byte[] nonce) {
      return inner.isSpent(nonce);
    }

    @Override
    public AbortRecord recordAbort(KeyId licensee, int reasonCode) {
      throw new LedgerUnavailableException("ledger down", new java.io.IOException("connection refused"));
    }

    @Override
    public AbortRecord aborts(KeyId licensee) {
      return inner.aborts(licensee);
    }

    @Override
    public void close() {}
  }
}
