package dev.oml.mpc.attacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.HeContext;
import dev.oml.he.MatVecLayout;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.PreparedBundle;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.TwoPartyUser;
import dev.oml.mpc.inference.internal.Codec;
import dev.oml.mpc.inference.internal.HeSide;
import dev.oml.mpc.inference.internal.Msg;
import dev.oml.mpc.inference.internal.Plan;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attack (d) of issue #14 against today's protocol: offline material replayed or mixed across
 * queries and bundles. What today's code refuses (and what the licensee is charged), and what it
 * accepts without noticing. Replaying a first message, an online stage within its bundle and a
 * query signed for another licensee are refused in {@code TwoPartyPermissionTest}; these are
 * the cross-bundle cases.
 */
class ReplayAndMixingTest {
  private static final int N = 2;
  private final Random rnd = new Random(13);
  private LocalRun run;
  private Plan plan;
  private MatVecLayout[] layouts;

  @BeforeEach
  void setUp() {
    run = new LocalRun(TinyModels.mlp(TinyModels.SMALL, 91, false), TinyModels.insecure(),
        OutputPolicy.LOGITS, 1000);
    plan = Plan.of(run.model);
    HeContext ctx = HeSide.context(run.params);
    layouts = new MatVecLayout[plan.stageCount()];
    for (int i = 0; i < layouts.length; i++) {
      layouts[i] = ctx.coefficientMatVec().layout(plan.stage(i).rows(), plan.stage(i).cols());
    }
  }

  /** An honest preparation up to its offline finish (flight 3), not yet sent. */
  private final class Half {
    final TwoPartyUser.Preparation prep = run.user.beginPrepare(N);
    final TwoPartyOwner.Session session = run.owner.newSession();
    final byte[] first = prep.firstMessage(run.permit(N, prep.binding()));
    final byte[] reply = session.onFirstMessage(first);
    final byte[] finish = prep.onReply(reply);
  }

  private static byte[] ownerKey(byte[] reply) {
    Codec.Reader r = new Codec.Reader(reply, Msg.OFFLINE_REPLY, "test");
    r.u8();
    return r.blob(HeSide.MAX_OBJECT_BYTES);
  }

  /** Flight 3 split into its HE answers and its OT extension message. */
  private List<byte[]> answers(byte[] finish, byte[][] ot) {
    Codec.Reader rd = new Codec.Reader(finish, Msg.OFFLINE_FINISH, "test");
    List<byte[]> out = new ArrayList<>();
    for (int j = 0; j < N; j++) {
      for (int i = 1; i < plan.stageCount(); i++) {
        out.addAll(HeSide.read(rd, layouts[i].outputCount(), "test"));
      }
    }
    ot[0] = rd.blob(Msg.MAX_GC_BYTES);
    rd.end();
    return out;
  }

  private byte[] finish(List<byte[]> answers, byte[] ot) {
    Codec.Writer w = new Codec.Writer(Msg.OFFLINE_FINISH, 1 << 16);
    int a = 0;
    for (int j = 0; j < N; j++) {
      for (int i = 1; i < plan.stageCount(); i++) {
        List<byte[]> cts = new ArrayList<>();
        for (int o = 0; o < layouts[i].outputCount(); o++) {
          cts.add(answers.get(a++));
        }
        HeSide.write(w, cts);
      }
    }
    return w.blob(ot).toByteArray();
  }

  @Test
  void anotherBundlesOfflineFinishIsRefusedByTheOtCheckAndTheBundleStaysCharged() {
    Half a = new Half();
    Half b = new Half();
    assertEquals(2 * N, run.charged());
    ProtocolAbortException e = assertThrows(ProtocolAbortException.class,
        () -> b.session.onOfflineFinish(a.finish));
    assertTrue(e.getMessage().contains("KOS consistency check"), e.getMessage());
    assertEquals(2 * N, run.charged(), "no refund for an aborted bundle");
    // and the session is dead: its own finish is no longer taken either
    assertThrows(ProtocolAbortException.class, () -> b.session.onOfflineFinish(b.finish));
  }

  @Test
  void anotherBundlesHeAnswersUnderTheRightOtMessageAreAcceptedAndSilentlyCorruptTheOutput() {
    Half a = new Half();
    Half b = new Half();
    byte[][] otA = new byte[1][];
    byte[][] otB = new byte[1][];
    List<byte[]> fromA = answers(a.finish, otA);
    answers(b.finish, otB);
    // nothing binds Enc_O(W_U q - t) to the session it answers: the owner decrypts bundle A's
    // answers with bundle B's key and builds its offline shares from the result
    byte[] ack = b.session.onOfflineFinish(finish(fromA, otB[0]));
    assertNotNull(ack);
    PreparedBundle bundle = b.prep.finish(ack);
    long[] x = run.encode(TinyModels.input(rnd, 8));
    long[] got = run.infer(b.session, bundle, x).logits();
    assertFalse(Arrays.equals(run.reference.logits(x), got),
        "the owner accepted foreign answers and the output is wrong, with no abort");
    assertEquals(2 * N, run.charged());
  }

  @Test
  void theSameOfflineRequestUnderAFreshPermissionIsAdmittedAndChargedAgain() {
    Half a = new Half();
    byte[] payload = PermittedQuery.decode(a.first).payload();
    // a second permission bound to the same payload: a new nonce, so not a replay
    byte[] again = PermittedQuery.create(run.licensee,
        run.permit(N, Binding.ofFirstMessage(payload)), payload).encode();
    TwoPartyOwner.Session second = run.owner.newSession();
    byte[] reply = second.onFirstMessage(again);
    assertEquals(2 * N, run.charged(), "each admission is charged");
    // the owner answered the same Enc_U(r) again, under fresh masks s and a fresh key of its
    // own: the two answers W_O r - s and W_O r - s' differ by a uniform s - s'
    assertFalse(Arrays.equals(ownerKey(a.reply), ownerKey(reply)), "a fresh owner key per bundle");
    assertFalse(Arrays.equals(a.reply, reply));
    // the literal first message, replayed, is refused at the gate and not charged
    assertThrows(PermissionReplayedException.class,
        () -> run.owner.newSession().onFirstMessage(a.first));
    assertEquals(2 * N, run.charged());
  }

  @Test
  void aSignedFirstStageOfAnotherBundleIsRefusedButLaterStagesAreNotBound() {
    TwoPartyOwner.Session sa = run.owner.newSession();
    PreparedBundle ba = run.prepare(sa, N);
    TwoPartyOwner.Session sb = run.owner.newSession();
    PreparedBundle bb = run.prepare(sb, N);
    long[] x = run.encode(TinyModels.input(rnd, 8));
    run.infer(sa, ba, x);
    List<byte[]> fromA = new ArrayList<>(run.online);
    // stage 0 is signed over the bundle's binding: bundle A's message does not open bundle B
    ProtocolAbortException e = assertThrows(ProtocolAbortException.class,
        () -> sb.onStep(fromA.get(0)));
    assertTrue(e.getMessage().contains("not signed"), e.getMessage());
    assertEquals(2 * N, run.charged(), "two bundles charged, nothing refunded");

    // a fresh pair: stage 0 honest in bundle D, stage 1 taken from bundle C
    TwoPartyOwner.Session sc = run.owner.newSession();
    PreparedBundle bc = run.prepare(sc, N);
    TwoPartyOwner.Session sd = run.owner.newSession();
    PreparedBundle bd = run.prepare(sd, N);
    run.infer(sc, bc, x);
    List<byte[]> fromC = new ArrayList<>(run.online);
    TwoPartyUser.Query q = run.user.start(bd, x);
    q.onReply(sd.onStep(q.message()));
    // nothing but the query index and stage number ties stage 1 to its bundle: accepted
    byte[] answer = sd.onStep(fromC.get(2));
    assertNotNull(answer);
    assertEquals(4 * N, run.charged());
  }
}
