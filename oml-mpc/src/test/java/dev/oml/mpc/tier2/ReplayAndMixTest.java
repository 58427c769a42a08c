package dev.oml.mpc.tier2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.PrimeField;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.ledger.AbortReason;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.CheckSwitch;
import dev.oml.mpc.auth.MacCheckFailedException;
import dev.oml.mpc.gc.FieldLayerMessages.LabelRequest;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.ot.KosCheckFailedException;
import dev.oml.mpc.testkit.Tier2Fixture;
import dev.oml.mpc.testkit.TinyModels;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #14 attack (d): material replayed or mixed across queries and bundles, against the
 * bundle as served ({@link PermittedTier2Owner} behind the gate, the honest {@link Tier2User}
 * with its messages replaced on the wire). For each case: what the replay gives with the MAC
 * check switched off ({@code verifierHook = CheckSwitch::off}), and that with it on the bundle
 * aborts before the owner releases the query's output, with one abort in the ledger. Where a
 * message is refused by its form before any check (its query and layer, a garbling's session
 * id), the replayed message with that field set back to the expected value shows which check
 * stops it then. Replays that are accepted with every check on are shown to be harmless.
 *
 * <p>Message types (first byte) of the licensee, used to find positions in an honest run:
 * the bundle's base-OT message {@code 0x11} (once per bundle: every VOLE and garbling extends
 * the bundle's one OT extension), VOLE message 3 {@code 0x31}, Freivalds response
 * {@code 0x62}, HE answer {@code 0x53} (direction 1, then direction 2 from the second layer
 * on), OT start {@code 0x61}, opening {@code 0x71}, label request {@code 0x63} and MAC check
 * response {@code 0x43} (the check claims nothing: no claim message travels).
 */
class ReplayAndMixTest {
  static final int VOLE_FIRST = 0x11;
  static final int VOLE_THIRD = 0x31;
  static final int FREIVALDS = 0x62;
  static final int HE_ANSWER = 0x53;
  static final int OT_START = 0x61;
  static final int OPENING = Tier2Messages.TAG_OPENING;
  static final int LABEL_REQUEST = 0x63;
  static final int RESPONSE = 0x43;

  /** The tiny 8-6-4-3 model, with the abort limit high enough for several attacks each. */
  static Tier2Fixture fixture() {
    return fixture(TinyModels.mlp(FixedPointFormat.of(40, Tier2Fixture.TINY_F), 7, false));
  }

  static Tier2Fixture fixture(Model m) {
    return new Tier2Fixture(m, Tier2Fixture.TINY_F, OutputPolicy.LOGITS, 100,
        PermissionPolicy.MAX_ABORTS_LIMIT, Clock.systemUTC());
  }

  /** Index of the {@code n}-th message of type {@code tag} among {@code sent[from, to)}. */
  static int nth(List<byte[]> sent, int from, int to, int tag, int n) {
    for (int i = from; i < to; i++) {
      if ((sent.get(i)[0] & 0xff) == tag && n-- == 0) {
        return i;
      }
    }
    throw new AssertionError("no message 0x" + Integer.toHexString(tag) + " number " + n);
  }

  /**
   * Replays within one bundle: records what the licensee means to send and, at message
   * {@code to}, sends {@code change(message from, the honest message to)} instead.
   */
  static ServedBundle.Tamper replay(int from, int to, BiFunction<byte[], byte[], byte[]> change) {
    List<byte[]> seen = new ArrayList<>();
    return (i, m) -> {
      seen.add(m);
      return i == to ? change.apply(seen.get(from), m) : m;
    };
  }

  static ServedBundle.Tamper replay(int from, int to) {
    return replay(from, to, (old, honest) -> old);
  }

  /** One bundle after another on the same fixture: what changed in the ledger in between. */
  static final class Ledger {
    final Tier2Fixture fx;
    long charged;
    long aborts;

    Ledger(Tier2Fixture fx) {
      this.fx = fx;
      charged = fx.charged();
      aborts = fx.ledger.aborts(fx.licensee.keyId()).count();
    }

    /** Asserts the bundle stayed charged and {@code expected} aborts were recorded since. */
    void assertSince(ServedBundle.Outcome o, int queries, int expected, AbortReason reason) {
      assertEquals(charged + queries, o.charged(), "the bundle is charged");
      assertEquals(aborts + expected, o.aborts().count(), "aborts recorded");
      if (reason != null) {
        assertEquals(reason, AbortReason.ofCode(o.aborts().lastReason()));
      }
      charged = o.charged();
      aborts = o.aborts().count();
    }
  }

  static void setCheck(Tier2Fixture fx, boolean on) {
    fx.protocolOwner.verifierHook = on ? UnaryOperator.identity() : CheckSwitch::off;
  }

  // ---------------------------------------------------------------------------------------
  // (a) a whole offline message of bundle A replayed in bundle B at the same position

  /**
   * The licensee's offline messages, each at the second layer of the bundle's one query (so
   * that HE direction 2 is there too). {@code macCaught}: the replay is well formed and only the
   * query's MAC check can tell; otherwise the KOS consistency check of the OT extension refuses
   * it during the bundle (its correlation depends on the owner's fresh base-OT choices and
   * seed, so another bundle's message does not fit).
   */
  enum OfflineFlight {
    BASE_OTS_OF_THE_BUNDLE(VOLE_FIRST, 0, false),
    VOLE_MESSAGE_3(VOLE_THIRD, 1, false),
    FREIVALDS_RESPONSE(FREIVALDS, 1, true),
    HE_DIRECTION_1(HE_ANSWER, 1, true),
    HE_DIRECTION_2(HE_ANSWER, 2, true),
    OT_START_OF_THE_GARBLING(OT_START, 1, false);

    final int tag;
    final int occurrence;
    final boolean macCaught;

    OfflineFlight(int tag, int occurrence, boolean macCaught) {
      this.tag = tag;
      this.occurrence = occurrence;
      this.macCaught = macCaught;
    }
  }

  /** Bundle A: one honest served bundle of one query, shared by the cases of (a). */
  private static Tier2Fixture bundleFixture;
  private static ServedBundle.Outcome bundleA;
  private static long[][] inputA;

  private static synchronized ServedBundle.Outcome bundleA() throws Exception {
    if (bundleA == null) {
      bundleFixture = fixture();
      inputA = ServedBundle.inputs(bundleFixture, 1, 21);
      bundleA = ServedBundle.run(bundleFixture, inputA, ServedBundle.HONEST);
      assertNull(bundleA.userError());
      assertEquals(List.of(0), bundleA.released());
    }
    return bundleA;
  }

  @ParameterizedTest
  @EnumSource(OfflineFlight.class)
  void anOfflineMessageOfBundleAReplayedInBundleBAtTheSamePosition(OfflineFlight flight)
      throws Exception {
    ServedBundle.Outcome a = bundleA();
    Tier2Fixture fx = bundleFixture;
    int j = nth(a.sent(), 1, a.ends()[0], flight.tag, flight.occurrence);
    byte[] fromA = a.sent().get(j);
    ServedBundle.Tamper fromBundleA = (i, m) -> i == j ? fromA : m;
    long[] x = inputA[0];
    Ledger ledger = new Ledger(fx);

    // the MAC check off: what the replayed material gives
    setCheck(fx, false);
    ServedBundle.Outcome off = ServedBundle.run(fx, inputA, fromBundleA);
    setCheck(fx, true);
    assertFalse(Arrays.equals(fromA, off.sent().get(j)), "B's own message differs from A's");
    if (flight.macCaught) {
      assertNull(off.ownerError(), "without the MAC check the owner accepts A's material");
      assertEquals(List.of(0), off.released());
      ledger.assertSince(off, 1, 0, null);
      long[] logits = off.results().get(0).logits();
      if (flight == OfflineFlight.FREIVALDS_RESPONSE) {
        // w = s_A^T W_U answers another challenge; the product c itself is honest
        assertArrayEquals(fx.reference.logits(x), logits, "accepted, output unchanged");
      } else {
        // A's answer is encrypted under A's bundle key: B's owner decrypts noise as its share
        assertFalse(Arrays.equals(fx.reference.logits(x), logits), "the output is wrong");
      }
    } else {
      // refused in the bundle by the OT extension's consistency check, MAC check or not
      assertInstanceOf(ProtocolAbortException.class, off.ownerError());
      assertFalse(off.ownerError() instanceof MacCheckFailedException);
      assertInstanceOf(KosCheckFailedException.class, off.ownerError());
      assertEquals(List.of(), off.released());
      ledger.assertSince(off, 1, 1, AbortReason.CHECK_FAILED);
      return;
    }

    // the MAC check on: the query aborts before its output is released
    ServedBundle.Outcome on = ServedBundle.run(fx, inputA, fromBundleA);
    assertInstanceOf(MacCheckFailedException.class, on.ownerError());
    assertInstanceOf(MacCheckFailedException.class, on.userError());
    assertEquals(List.of(), on.released(), "nothing released");
    assertEquals(List.of(0), on.refused());
    ledger.assertSince(on, 1, 1, AbortReason.CHECK_FAILED);
  }

  // ---------------------------------------------------------------------------------------
  // (b) an online message of query 0 replayed in query 1

  /** Bundle of two queries: where query {@code q}'s {@code n}-th message of {@code tag} is. */
  static int online(ServedBundle.Outcome honest, int q, int tag, int n) {
    return nth(honest.sent(), honest.ends()[q], honest.ends()[q + 1], tag, n);
  }

  private static ServedBundle.Outcome pair;

  /**
   * One honest served bundle of two queries of the tiny model, shared by the cases of (b): the
   * positions of the flights (the same for every fixture of this model) and the honest messages.
   */
  static synchronized ServedBundle.Outcome honestPair() throws Exception {
    if (pair == null) {
      Tier2Fixture fx = fixture();
      long[][] xs = ServedBundle.inputs(fx, 2, 30);
      pair = ServedBundle.run(fx, xs, ServedBundle.HONEST);
      assertNull(pair.userError());
      assertEquals(List.of(0, 1), pair.released());
      for (int q = 0; q < 2; q++) {
        assertArrayEquals(fx.reference.logits(xs[q]), pair.results().get(q).logits());
      }
    }
    return pair;
  }

  /** Sets the query index of a replayed opening to {@code query}, the layer to {@code layer}. */
  static byte[] reposition(byte[] opening, int query, int layer) {
    int cols = (opening.length - 9) / 8;
    long pos = dev.oml.mpc.internal.Blocks.getLong(opening, 1);
    long[] d = Tier2Messages.Opening.decode(opening, (int) (pos >>> 32), (int) pos, cols).d();
    return new Tier2Messages.Opening(query, layer, d).encode();
  }

  static void assertRefusedByForm(ServedBundle.Outcome o, String field) {
    assertInstanceOf(ProtocolAbortException.class, o.ownerError());
    assertFalse(o.ownerError() instanceof MacCheckFailedException, "refused before any check");
    assertTrue(o.ownerError().getMessage().contains(field), o.ownerError().getMessage());
  }

  @Test
  void anOpeningOfAHiddenLayerReplayedInTheNextQueryIsRefusedByItsPositionThenByTheMacCheck()
      throws Exception {
    Tier2Fixture fx = fixture();
    long[][] xs = ServedBundle.inputs(fx, 2, 31);
    ServedBundle.Outcome h = honestPair();
    int from = online(h, 0, OPENING, 1);
    int to = online(h, 1, OPENING, 1);
    Ledger ledger = new Ledger(fx);

    // as sent in query 0: refused by the query index inside it, even with the MAC check off
    setCheck(fx, false);
    ServedBundle.Outcome raw = ServedBundle.run(fx, xs, replay(from, to));
    assertRefusedByForm(raw, "another query or layer");
    assertEquals(List.of(0), raw.released());
    ledger.assertSince(raw, 2, 1, AbortReason.MALFORMED_MESSAGE);

    // its query index set to 1: well formed; without the MAC check query 1's output is wrong.
    // Query 0's d over query 1's fresh masks gives the next layer a uniform hidden value, and
    // the tiny model's few hidden ReLUs can all come out as they would have (a few percent of
    // bundles): the change must show within six bundles, each run with fresh masks.
    ServedBundle.Tamper moved = replay(from, to, (old, honest) -> reposition(old, 1, 1));
    boolean changed = false;
    for (int bundle = 0; bundle < 6 && !changed; bundle++) {
      ServedBundle.Outcome off = ServedBundle.run(fx, xs, moved);
      assertNull(off.ownerError());
      assertEquals(List.of(0, 1), off.released());
      assertArrayEquals(fx.reference.logits(xs[0]), off.results().get(0).logits());
      changed = !Arrays.equals(fx.reference.logits(xs[1]), off.results().get(1).logits());
      ledger.assertSince(off, 2, 0, null);
    }
    setCheck(fx, true);
    assertTrue(changed, "query 0's d mixed into query 1 changes its output");

    // with the check on: the opened d is registered as known and does not match its MAC
    ServedBundle.Outcome on = ServedBundle.run(fx, xs, moved);
    assertInstanceOf(MacCheckFailedException.class, on.ownerError());
    assertEquals(List.of(0), on.released(), "query 1 is not released");
    assertEquals(List.of(1), on.refused());
    assertEquals(1, on.results().size());
    ledger.assertSince(on, 2, 1, AbortReason.CHECK_FAILED);
  }

  /**
   * The first layer's opening {@code d = x - r} carries no MAC: the input is the licensee's
   * choice. Query 0's {@code d} as sent is refused by its query index; used in query 1 with the
   * right index (and consistently on the licensee's side), it is accepted with every check on,
   * and harmless: the output is exactly the model on the input {@code x' = d_0 + r_1}, which the
   * licensee could have asked for directly.
   */
  @Test
  void aFirstLayerOpeningReplayedInTheNextQueryIsRefusedByItsPositionAndOtherwiseIsAnInput()
      throws Exception {
    Tier2Fixture fx = fixture();
    long[][] xs = ServedBundle.inputs(fx, 2, 32);
    ServedBundle.Outcome h = honestPair();
    Ledger ledger = new Ledger(fx);

    ServedBundle.Outcome raw = ServedBundle.run(fx, xs,
        replay(online(h, 0, OPENING, 0), online(h, 1, OPENING, 0)));
    assertRefusedByForm(raw, "another query or layer");
    assertEquals(List.of(0), raw.released());
    ledger.assertSince(raw, 2, 1, AbortReason.MALFORMED_MESSAGE);

    long[][] d = new long[2][];
    fx.user.deviation = new Tier2User.Deviation() {
      @Override
      public long[] opening(int query, int layer, long[] honest) {
        if (layer != 0) {
          return honest;
        }
        d[query] = honest.clone();
        return query == 1 ? d[0].clone() : honest;
      }
    };
    ServedBundle.Outcome used = ServedBundle.run(fx, xs, ServedBundle.HONEST);
    fx.user.deviation = new Tier2User.Deviation() {};
    assertNull(used.ownerError(), "accepted with every check on");
    assertEquals(List.of(0, 1), used.released());
    // x' = d_0 + r_1 with r_1 = x_1 - d_1
    long[] xPrime = PrimeField.add(d[0], PrimeField.sub(xs[1], d[1], null), null);
    assertFalse(Arrays.equals(xs[1], xPrime));
    assertArrayEquals(fx.reference.logits(xPrime), used.results().get(1).logits(),
        "the model on another input of the licensee's choice, nothing else");
    ledger.assertSince(used, 2, 0, null);
  }

  @Test
  void aLabelRequestReplayedInTheNextQueryIsRefusedByItsSessionThenByTheMacCheck()
      throws Exception {
    Tier2Fixture fx = fixture();
    long[][] xs = ServedBundle.inputs(fx, 2, 33);
    ServedBundle.Outcome h = honestPair();
    int from = online(h, 0, LABEL_REQUEST, 1);
    int to = online(h, 1, LABEL_REQUEST, 1);
    Ledger ledger = new Ledger(fx);
    setCheck(fx, false);

    ServedBundle.Outcome raw = ServedBundle.run(fx, xs, replay(from, to));
    assertRefusedByForm(raw, "belongs to another garbling");
    assertEquals(List.of(0), raw.released());
    ledger.assertSince(raw, 2, 1, AbortReason.MALFORMED_MESSAGE);

    // query 1's session id put into query 0's request: the OTs were checked offline, so the
    // request carries only derandomization bits, and any bits are a legitimate request for
    // some input. Query 0's bits under query 1's random choices feed the circuit a z_U other
    // than the authenticated one: with the MAC check off the owner releases a wrong output
    ServedBundle.Outcome moved = ServedBundle.run(fx, xs, replay(from, to, (old, honest) -> {
      LabelRequest o = LabelRequest.decode(old);
      return new LabelRequest(LabelRequest.decode(honest).session(), o.kos(), o.flips())
          .encode();
    }));
    setCheck(fx, true);
    assertNull(moved.ownerError(), "without the MAC check the owner answers the request");
    assertEquals(List.of(0, 1), moved.released());
    assertFalse(Arrays.equals(fx.reference.logits(xs[1]), moved.results().get(1).logits()),
        "query 1's output is not the model on its input");
    ledger.assertSince(moved, 2, 0, null);

    // with the MAC check on, the zero claim on z_U fails and query 1 is refused
    ServedBundle.Outcome on = ServedBundle.run(fx, xs, replay(from, to, (old, honest) -> {
      LabelRequest o = LabelRequest.decode(old);
      return new LabelRequest(LabelRequest.decode(honest).session(), o.kos(), o.flips())
          .encode();
    }));
    assertInstanceOf(MacCheckFailedException.class, on.ownerError());
    assertEquals(List.of(0), on.released());
    assertEquals(List.of(1), on.refused());
    ledger.assertSince(on, 2, 1, AbortReason.CHECK_FAILED);
  }

  @ParameterizedTest
  @ValueSource(ints = {VOLE_THIRD, OT_START})
  void anExtensionMessageOfQuery0ReplayedInQuery1AbortsTheBundleOffline(int tag)
      throws Exception {
    // Every VOLE and garbling of a bundle extends one OT extension. The licensee sends query
    // 0's first VOLE message 3 (or OT start) again where query 1's belongs: the extension's
    // streams have moved on and its challenge names query 1, so the KOS check fails and the
    // bundle ends offline, before any query runs. (The check off, the mixing it would allow
    // reveals Delta bit by bit: KosExtensionTest.)
    Tier2Fixture fx = fixture();
    long[][] xs = ServedBundle.inputs(fx, 2, 35);
    ServedBundle.Outcome h = honestPair();
    int from = nth(h.sent(), 1, h.ends()[0], tag, 0);
    int perQuery = (int) h.sent().subList(1, h.ends()[0]).stream()
        .filter(m -> (m[0] & 0xff) == tag).count() / 2;
    int to = nth(h.sent(), 1, h.ends()[0], tag, perQuery);
    Ledger ledger = new Ledger(fx);
    ServedBundle.Outcome out = ServedBundle.run(fx, xs, replay(from, to));
    assertInstanceOf(KosCheckFailedException.class, out.ownerError());
    assertEquals(List.of(), out.released());
    ledger.assertSince(out, 2, 1, AbortReason.CHECK_FAILED);
  }

  @Test
  void theCheckResponseOfQuery0ReplayedInQuery1IsAcceptedOnlyWithTheCheckOff() throws Exception {
    Tier2Fixture fx = fixture();
    long[][] xs = ServedBundle.inputs(fx, 2, 34);
    ServedBundle.Outcome h = honestPair();
    // the check claims nothing in tier 2 (every value it covers was sent before or must be
    // zero), so no claim message travels: the challenge comes with the last layer's labels and
    // the licensee's only message of the check is its response
    for (int q = 0; q < 2; q++) {
      for (int i = h.ends()[q]; i < h.ends()[q + 1]; i++) {
        int tag = h.sent().get(i)[0] & 0xff;
        assertTrue(tag == OPENING || tag == LABEL_REQUEST || tag == RESPONSE,
            "online message " + i + " has type 0x" + Integer.toHexString(tag));
      }
      assertEquals(h.ends()[q + 1] - 1, online(h, q, RESPONSE, 0), "the response ends query " + q);
    }

    int from = online(h, 0, RESPONSE, 0);
    int to = online(h, 1, RESPONSE, 0);
    assertFalse(Arrays.equals(h.sent().get(from), h.sent().get(to)));
    Ledger ledger = new Ledger(fx);
    setCheck(fx, false);
    ServedBundle.Outcome off = ServedBundle.run(fx, xs, replay(from, to));
    setCheck(fx, true);
    assertNull(off.ownerError(), "without the check the owner takes another query's tag");
    assertEquals(List.of(0, 1), off.released());
    ledger.assertSince(off, 2, 0, null);

    ServedBundle.Outcome on = ServedBundle.run(fx, xs, replay(from, to));
    assertInstanceOf(MacCheckFailedException.class, on.ownerError());
    assertEquals(List.of(0), on.released());
    assertEquals(List.of(1), on.refused());
    ledger.assertSince(on, 2, 1, AbortReason.CHECK_FAILED);
  }

  // ---------------------------------------------------------------------------------------
  // (c) an opening of layer i sent for layer j

  /** Dense 8-6-6-3: the second and third layers take 6 inputs, so their openings fit both. */
  static Model equalWidths() {
    Random r = new Random(11);
    return Model.of("tiny-mlp-6-6", Shape.vector(8), List.of(
        new Dense(8, 6, TinyModels.weights(r, 48, 0.9), TinyModels.weights(r, 6, 0.5)),
        new ReLU(),
        new Dense(6, 6, TinyModels.weights(r, 36, 0.9), TinyModels.weights(r, 6, 0.5)),
        new ReLU(),
        new Dense(6, 3, TinyModels.weights(r, 18, 0.9), TinyModels.weights(r, 3, 0.5))),
        FixedPointFormat.of(40, Tier2Fixture.TINY_F), 2);
  }

  @Test
  void anOpeningOfLayer1SentForLayer2IsRefusedByItsLayerThenByTheMacCheck() throws Exception {
    Tier2Fixture fx = fixture(equalWidths());
    long[][] xs = ServedBundle.inputs(fx, 1, 35);
    ServedBundle.Outcome h = ServedBundle.run(fx, xs, ServedBundle.HONEST);
    assertNull(h.userError());
    assertArrayEquals(fx.reference.logits(xs[0]), h.results().get(0).logits());
    int from = online(h, 0, OPENING, 1);
    int to = online(h, 0, OPENING, 2);
    assertEquals(h.sent().get(from).length, h.sent().get(to).length, "same width");
    Ledger ledger = new Ledger(fx);
    setCheck(fx, false);

    ServedBundle.Outcome raw = ServedBundle.run(fx, xs, replay(from, to));
    assertRefusedByForm(raw, "another query or layer");
    assertEquals(List.of(), raw.released());
    ledger.assertSince(raw, 1, 1, AbortReason.MALFORMED_MESSAGE);

    ServedBundle.Tamper moved = replay(from, to, (old, honest) -> reposition(old, 0, 2));
    ServedBundle.Outcome off = ServedBundle.run(fx, xs, moved);
    setCheck(fx, true);
    assertNull(off.ownerError());
    assertEquals(List.of(0), off.released());
    assertFalse(Arrays.equals(fx.reference.logits(xs[0]), off.results().get(0).logits()),
        "layer 1's d used at layer 2 changes the output");
    ledger.assertSince(off, 1, 0, null);

    ServedBundle.Outcome on = ServedBundle.run(fx, xs, moved);
    assertInstanceOf(MacCheckFailedException.class, on.ownerError());
    assertEquals(List.of(), on.released(), "nothing released");
    assertEquals(List.of(0), on.refused());
    ledger.assertSince(on, 1, 1, AbortReason.CHECK_FAILED);
  }

  // ---------------------------------------------------------------------------------------
  // (d) the first message of a served bundle sent again

  @Test
  void theFirstMessageOfAServedBundleSentAgainIsRefusedByTheGateWithoutChargeOrAbort()
      throws Exception {
    Tier2Fixture fx = fixture();
    long[][] xs = ServedBundle.inputs(fx, 1, 36);
    ServedBundle.Outcome h = ServedBundle.run(fx, xs, ServedBundle.HONEST);
    assertEquals(List.of(0), h.released());
    Ledger ledger = new Ledger(fx);
    InMemoryChannel.Pair pair = InMemoryChannel.pair();
    byte[] first = h.sent().get(0);
    assertThrows(PermissionReplayedException.class, () -> fx.owner.serve(pair.first(), first));
    assertEquals(0, pair.first().messagesSent(), "the owner sent nothing, not even a key");
    assertEquals(ledger.charged, fx.charged(), "no charge");
    assertEquals(ledger.aborts, fx.ledger.aborts(fx.licensee.keyId()).count(), "no abort");
  }
}
