package dev.oml.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.LicenseeProof;
import dev.oml.core.permission.LicenseeProofException;
import dev.oml.core.permission.PermissionFixture;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermissionUse;
import org.junit.jupiter.api.Test;

/** Verify-then-spend: a refused verification charges nothing; an admitted permission is spent. */
class PermissionGateTest {
  @Test
  void admitsOnceAndChargesNothingOnRefusal() {
    PermissionFixture fx = new PermissionFixture(10, 10);
    InMemoryLedger ledger = new InMemoryLedger(fx.policy::quotaOf);
    PermissionGate gate = new PermissionGate(fx.verifier, ledger);
    byte[] first = fx.bytes(20);
    byte[] transcript = fx.bytes(32);
    PermissionToken t = fx.issueA(InferenceMode.HOMOMORPHIC, 3, first);
    PermissionUse use = PermissionUse.of(fx.modelA, InferenceMode.HOMOMORPHIC, 3, first, transcript);
    // presented with B's proof: refused, nothing charged, nonce not burnt
    assertThrows(LicenseeProofException.class,
        () -> gate.admit(t, LicenseeProof.create(fx.licenseeB, t, transcript), use));
    assertEquals(0, ledger.charged(fx.licenseeA.keyId()));
    assertFalse(ledger.isSpent(t.unverifiedClaims().nonce()));
    LicenseeProof proof = LicenseeProof.create(fx.licenseeA, t, transcript);
    SpendReceipt r = gate.admit(t.encode(), proof.encode(), use);
    assertEquals(3, r.chargedAfter());
    assertEquals(3, r.permission().inferences());
    assertThrows(PermissionReplayedException.class, () -> gate.admit(t, proof, use));
    assertEquals(3, ledger.charged(fx.licenseeA.keyId()));
  }
}
