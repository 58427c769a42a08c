package dev.oml.mpc.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.ledger.QuotaExceededException;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.LicenseeProofException;
import dev.oml.core.permission.PermissionException;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Permissions in the two-party mode, each rule attacked: a bundle is charged its {@code n}
 * exactly once, when its first message passes the gate, and nothing is parsed or computed
 * before that; altered, replayed, transferred, over-quota and wrong-mode permissions are refused
 * without a charge; prepared material serves at most {@code n} queries, each once, and only the
 * licensee that paid for it.
 */
class TwoPartyPermissionTest {
  private final Random rnd = new Random(11);

  private LocalRun run(long quota) {
    return new LocalRun(TinyModels.mlp(TinyModels.SMALL, 21, false), TinyModels.insecure(),
        OutputPolicy.LOGITS, quota);
  }

  private long[] input(LocalRun run) {
    return run.encode(TinyModels.input(rnd, 8));
  }

  @Test
  void aBundleIsChargedItsCountOnceAtPreparationAndNotPerQuery() {
    LocalRun run = run(100);
    TwoPartyOwner.Session s = run.owner.newSession();
    PreparedBundle b = run.prepare(s, 3);
    assertEquals(3, run.charged());
    assertEquals(3, s.receipt().permission().inferences());
    for (int k = 0; k < 3; k++) {
      run.infer(s, b, input(run));
    }
    assertEquals(3, run.charged());
  }

  @Test
  void anAlteredFirstMessageIsRefusedByTheGateBeforeAnyParsingAndCostsNothing() {
    LocalRun run = run(100);
    TwoPartyUser.Preparation p = run.user.beginPrepare(2);
    byte[] f1 = p.firstMessage(run.permit(2, p.binding()));
    // Break the payload's structure too: if the owner parsed before verifying, it would throw a
    // protocol error instead of the permission error.
    byte[] bad = Arrays.copyOf(f1, f1.length - 5);
    bad[bad.length - 1] ^= 1;
    TwoPartyOwner.Session s = run.owner.newSession();
    // the proof of possession covers the payload's hash, so it fails first
    assertThrows(PermissionException.class, () -> s.onFirstMessage(bad));
    assertNull(s.receipt());
    assertEquals(0, run.charged());
    // and the session is dead
    assertThrows(ProtocolAbortException.class, () -> s.onFirstMessage(f1));
  }

  @Test
  void aReplayedFirstMessageIsRefusedAndNotChargedTwice() {
    LocalRun run = run(100);
    TwoPartyUser.Preparation p = run.user.beginPrepare(2);
    byte[] f1 = p.firstMessage(run.permit(2, p.binding()));
    run.owner.newSession().onFirstMessage(f1);
    assertEquals(2, run.charged());
    assertThrows(PermissionReplayedException.class,
        () -> run.owner.newSession().onFirstMessage(f1));
    assertEquals(2, run.charged());
  }

  @Test
  void aPermissionCopiedByAnotherKeyHolderIsRefused() {
    LocalRun run = run(100);
    TwoPartyUser.Preparation p = run.user.beginPrepare(1);
    PermissionToken token = run.permit(1, p.binding());
    // someone who copied the token off the wire signs the proof with its own key
    byte[] stolen = PermittedQuery.create(run.stranger, token, p.payload()).encode();
    assertThrows(LicenseeProofException.class, () -> run.owner.newSession().onFirstMessage(stolen));
    assertEquals(0, run.charged());
  }

  @Test
  void aBundleBeyondTheQuotaIsRefusedWithoutCharge() {
    LocalRun run = run(3);
    TwoPartyUser.Preparation p1 = run.user.beginPrepare(2);
    TwoPartyUser.Preparation p2 = run.user.beginPrepare(2);
    // both permissions are issued (each fits the quota); the second spend would exceed it
    byte[] f1 = p1.firstMessage(run.permit(2, p1.binding()));
    byte[] f2 = p2.firstMessage(run.permit(2, p2.binding()));
    run.owner.newSession().onFirstMessage(f1);
    assertEquals(2, run.charged());
    assertThrows(QuotaExceededException.class, () -> run.owner.newSession().onFirstMessage(f2));
    assertEquals(2, run.charged());
  }

  @Test
  void aPermissionForTheOtherModeIsRefused() {
    LocalRun run = run(100);
    TwoPartyUser.Preparation p = run.user.beginPrepare(1);
    PermissionToken he = run.issuer.issue(PermitRequest.create(run.licensee,
        run.oml.artifact().modelId(), InferenceMode.HOMOMORPHIC, 1, p.binding(),
        run.clock.instant()));
    assertThrows(IllegalArgumentException.class, () -> p.firstMessage(he));
    byte[] forced = PermittedQuery.create(run.licensee, he, p.payload()).encode();
    assertThrows(PermissionException.class, () -> run.owner.newSession().onFirstMessage(forced));
    assertEquals(0, run.charged());
  }

  @Test
  void aBundleServesAtMostItsCountAndThenRefuses() {
    LocalRun run = run(100);
    TwoPartyOwner.Session s = run.owner.newSession();
    PreparedBundle b = run.prepare(s, 2);
    run.infer(s, b, input(run));
    run.infer(s, b, input(run));
    assertEquals(0, b.remaining());
    assertThrows(BundleExhaustedException.class, () -> run.infer(s, b, input(run)));
    assertTrue(s.exhausted());
  }

  @Test
  void replayingAnOnlineStepIsRefusedSoGarbledMaterialIsNeverUsedTwice() {
    LocalRun run = run(100);
    TwoPartyOwner.Session s = run.owner.newSession();
    PreparedBundle b = run.prepare(s, 2);
    long[] x = input(run);
    InferenceResult first = run.infer(s, b, x);
    assertArrayEquals(run.reference.logits(x), first.logits());
    byte[] stage0 = run.online.get(0);
    // the owner expects query 1 now; query 0's stage 0 again is refused
    ProtocolAbortException e = assertThrows(ProtocolAbortException.class, () -> s.onStep(stage0));
    assertTrue(e.getMessage().contains("query index"), e.getMessage());
    // the failure ends the session: the rest of the bundle is gone on the owner's side too
    assertThrows(ProtocolAbortException.class, () -> s.onStep(stage0));
  }

  @Test
  void anOnlineQueryNotSignedByTheLicenseeIsRefused() {
    LocalRun run = run(100);
    TwoPartyOwner.Session s = run.owner.newSession();
    PreparedBundle b = run.prepare(s, 1);
    TwoPartyUser.Query q = run.user.start(b, input(run));
    byte[] m = q.message();
    m[m.length - 1] ^= 1;
    ProtocolAbortException e = assertThrows(ProtocolAbortException.class, () -> s.onStep(m));
    assertTrue(e.getMessage().contains("not signed by the licensee"), e.getMessage());
  }

  @Test
  void aStartedQueryLeavesTheBundleAtOnce() {
    LocalRun run = run(100);
    TwoPartyOwner.Session s = run.owner.newSession();
    PreparedBundle b = run.prepare(s, 2);
    run.user.start(b, input(run));
    assertEquals(1, b.remaining());
    b.discard();
    assertThrows(BundleExhaustedException.class, () -> run.user.start(b, input(run)));
  }
}
