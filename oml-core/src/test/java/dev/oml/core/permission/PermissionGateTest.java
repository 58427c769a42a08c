package dev.oml.core.permission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.ledger.QuotaExceededException;
import dev.oml.core.ledger.SpendReceipt;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.LicenseeProof;
import dev.oml.core.permission.PermissionException;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.testkit.PermissionFixture;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The owner's entry check: verify, then spend, for a first message that carries its permission. */
class PermissionGateTest {
  private final PermissionFixture fx = new PermissionFixture(10, 10);
  private final InMemoryLedger ledger = new InMemoryLedger(fx.policy::quotaOf);
  private final PermissionGate gate = new PermissionGate(fx.verifier, ledger);

  private PermittedQuery query(int n, byte[] payload) {
    PermissionToken t = fx.issueA(InferenceMode.HOMOMORPHIC, n, payload);
    return PermittedQuery.create(fx.licenseeA, t, payload);
  }

  @Test
  void aValidQueryIsAdmittedAndChargedOnce() {
    byte[] payload = fx.bytes(100);
    PermittedQuery q = PermittedQuery.decode(query(4, payload).encode());
    SpendReceipt r = gate.admit(q, fx.modelA, InferenceMode.HOMOMORPHIC);
    assertEquals(4, r.permission().inferences());
    assertEquals(4, ledger.charged(fx.licenseeA.keyId()));
    assertThrows(PermissionReplayedException.class, () -> gate.admit(q, fx.modelA, InferenceMode.HOMOMORPHIC));
    assertEquals(4, ledger.charged(fx.licenseeA.keyId()));
  }

  @Test
  void anyChangeToTheQueryIsRefusedAndChargesNothing() {
    byte[] payload = fx.bytes(100);
    byte[] good = query(2, payload).encode();
    for (int bit = 0; bit < good.length * 8; bit += 13) {
      byte[] bad = good.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertRefused(bad);
    }
    assertRefused(Arrays.copyOf(good, good.length - 1));
    assertRefused(Arrays.copyOf(good, good.length + 1));
    assertEquals(0, ledger.charged(fx.licenseeA.keyId()));
  }

  private void assertRefused(byte[] message) {
    try {
      gate.admit(PermittedQuery.decode(message), fx.modelA, InferenceMode.HOMOMORPHIC);
    } catch (PermissionException | ProtocolAbortException expected) {
      return;
    }
    throw new AssertionError("a changed query was admitted");
  }

  @Test
  void anotherLicenseesProofAnotherModeOrModelAndOverQuotaAreRefused() {
    byte[] payload = fx.bytes(10);
    PermissionToken t = fx.issueA(InferenceMode.HOMOMORPHIC, 1, payload);
    PermittedQuery stolen = PermittedQuery.of(t,
        LicenseeProof.create(fx.licenseeB, t, PermittedQuery.transcriptHash(payload)), payload);
    assertThrows(PermissionException.class, () -> gate.admit(stolen, fx.modelA, InferenceMode.HOMOMORPHIC));
    assertThrows(PermissionException.class,
        () -> gate.admit(query(1, payload), fx.modelA, InferenceMode.TWO_PARTY));
    assertThrows(PermissionException.class,
        () -> gate.admit(query(1, payload), fx.modelB, InferenceMode.HOMOMORPHIC));
    gate.admit(query(9, fx.bytes(5)), fx.modelA, InferenceMode.HOMOMORPHIC);
    assertThrows(QuotaExceededException.class,
        () -> gate.admit(query(2, fx.bytes(5)), fx.modelA, InferenceMode.HOMOMORPHIC));
    assertEquals(9, ledger.charged(fx.licenseeA.keyId()));
  }

  @Test
  void shortFirstMessagesAreProtocolErrors() {
    assertThrows(ProtocolAbortException.class, () -> PermittedQuery.decode(new byte[10]));
  }
}
