package dev.oml.mpc.gc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.FieldCodec;
import dev.oml.core.field.FieldFixedPoint;
import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.AuthenticatedVector;
import dev.oml.mpc.auth.CheckSwitch;
import dev.oml.mpc.auth.LabelTable;
import dev.oml.mpc.auth.MacCheckFailedException;
import dev.oml.mpc.auth.MacCheckProver;
import dev.oml.mpc.auth.MacCheckVerifier;
import dev.oml.mpc.auth.MacKey;
import dev.oml.mpc.auth.MacKeyVector;
import dev.oml.mpc.auth.VoleReceiver;
import dev.oml.mpc.auth.VoleSender;
import dev.oml.mpc.auth.internal.FieldSampler;
import dev.oml.mpc.gc.FieldLayerMessages.Garbling;
import dev.oml.mpc.gc.FieldLayerMessages.InputLabels;
import dev.oml.mpc.gc.FieldLayerMessages.LabelRequest;
import dev.oml.mpc.gc.FieldLayerMessages.OtStart;
import dev.oml.mpc.gc.FieldLayerMessages.OutputDecoding;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The tier-2 garbled layer end to end: U's {@code z_U} authenticated by VOLE, the layer's
 * circuits and label tables, one batched MAC check, and the withheld last-layer decoding. The
 * oracle is {@link FieldFixedPoint#truncate(long, long, int)} (with ReLU, or argmax) on the
 * same shares, and the attacks are run with the check's test switch off (they succeed) and on
 * (they abort before any output).
 */
class FieldLayerTest {
  static final SecureRandom RNG = new SecureRandom();
  static final long P = PrimeField.P;
  static final int F = 16;

  static MacKey alpha() {
    long a;
    do {
      a = FieldSampler.fromRandom(RNG).next();
    } while (a == 0);
    return new MacKey(a);
  }

  static long[] rand(int n) {
    return FieldSampler.fromRandom(RNG).next(n);
  }

  /** Signed test values around the interesting points, at scale 2^(2f). */
  static long[] values(int n) {
    long half = (P - 1) / 2;
    long[] base = {0, 1, -1, 1L << F, -(1L << F), (1L << F) - 1, -(1L << F) - 1, half, -half,
        half - 1, 12345L << F, -(777L << F)};
    long[] z = new long[n];
    for (int i = 0; i < n; i++) {
      z[i] = i < base.length ? base[i] : RNG.nextLong(-(1L << 40), 1L << 40);
    }
    return z;
  }

  /** A party's view after one layer: shares, masks, authenticated z_U, both step results. */
  static final class Query {
    final FieldLayerSpec spec;
    final MacKey alpha = alpha();
    final long[] z;
    final long[] zU;
    final long[] zO;
    final long[] masks;
    final AuthenticatedVector authZu;
    final MacKeyVector authKeys;
    FieldLayerGarbler.Online owner;
    FieldLayerEvaluator.Evaluated user;

    Query(FieldLayerSpec spec, long[] z) throws Exception {
      this(spec, z, rand(z.length));
    }

    Query(FieldLayerSpec spec, long[] z, long[] zU) throws Exception {
      this.spec = spec;
      this.z = z;
      int n = z.length;
      this.zU = zU;
      zO = new long[n];
      for (int i = 0; i < n; i++) {
        zO[i] = PrimeField.sub(FieldFixedPoint.embed(z[i]), zU[i]);
      }
      masks = spec.kind() == FieldLayerSpec.Kind.LABEL ? null : rand(spec.neurons());
      // U's share is authenticated by VOLE under the owner's alpha, as in the tier-2 query
      InMemoryChannel.Pair p = InMemoryChannel.pair();
      CompletableFuture<MacKeyVector> keys =
          CompletableFuture.supplyAsync(() -> VoleSender.run(p.first(), alpha, n, RNG));
      authZu = VoleReceiver.run(p.second(), zU, RNG);
      authKeys = keys.get(30, TimeUnit.SECONDS);
    }

    /** Runs the layer over a channel with U feeding {@code fed}. */
    Query runOverChannel(long[] fed) throws Exception {
      InMemoryChannel.Pair p = InMemoryChannel.pair();
      CompletableFuture<FieldLayerGarbler.Online> o = CompletableFuture.supplyAsync(
          () -> FieldLayerGarbler.run(p.first(), spec, alpha, masks, zO, RNG));
      user = FieldLayerEvaluator.run(p.second(), spec, fed, RNG);
      owner = o.get(30, TimeUnit.SECONDS);
      return this;
    }

    /** Runs the layer's steps directly, U feeding the words {@code fed} unchecked. */
    Query runSteps(long[] fed) {
      FieldLayerEvaluator e = FieldLayerEvaluator.start(spec, RNG);
      FieldLayerGarbler.Offline off = FieldLayerGarbler.garble(spec, alpha, masks, RNG)
          .answer(OtStart.decode(e.message()));
      FieldLayerEvaluator.Requested q = e.receive(Garbling.decode(off.message()))
          .requestBits(fed);
      owner = off.respond(LabelRequest.decode(q.message()), zO);
      user = q.finish(InputLabels.decode(owner.message()));
      return this;
    }

    /** The honest claim: the circuit saw the authenticated z_U. */
    MacCheckProver prover(AuthenticatedVector circuitInput) {
      MacCheckProver pr = new MacCheckProver().zero(circuitInput.sub(authZu));
      if (!spec.decodingWithheld()) {
        pr.open(user.outputShare());
      }
      return pr;
    }

    MacCheckVerifier verifier() {
      MacCheckVerifier v = new MacCheckVerifier(alpha, RNG)
          .expectZero(owner.inputKeys().sub(authKeys));
      if (!spec.decodingWithheld()) {
        v.expectOpen(owner.outputKeys());
      }
      return v;
    }

    long expected(int i, boolean relu) {
      long t = FieldFixedPoint.truncate(zU[i], zO[i], F);
      return relu ? FieldFixedPoint.embed(Math.max(0, FieldFixedPoint.center(t))) : t;
    }
  }

  static void check(MacCheckProver p, MacCheckVerifier v) {
    v.verify(p.respond(v.challenge(p.claimMessage())));
  }

  @Test
  void hiddenLayerEndToEndOverAChannelWithOneBatchedCheck() throws Exception {
    int n = 20;
    Query q = new Query(new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, n, F), values(n));
    q.runOverChannel(q.zU);
    AuthenticatedVector share = q.user.outputShare();
    for (int i = 0; i < n; i++) {
      assertEquals(q.expected(i, true), PrimeField.add(share.value(i), q.masks[i]), "neuron " + i);
      assertEquals(PrimeField.reduce(q.zU[i]), q.user.circuitInput().value(i));
    }
    // the check runs over its own channel, as it would at the end of a query
    InMemoryChannel.Pair p = InMemoryChannel.pair();
    MacCheckVerifier v = q.verifier();
    CompletableFuture<java.util.List<long[]>> opened =
        CompletableFuture.supplyAsync(() -> v.run(p.first()));
    q.prover(q.user.circuitInput()).run(p.second());
    assertArrayEquals(share.values(), opened.get(30, TimeUnit.SECONDS).get(0));
    assertTrue(v.accepted());
    assertThrows(IllegalStateException.class, () -> q.owner.release(v),
        "a hidden layer's decoding is not withheld");
  }

  @Test
  void truncateLayerReSharesTheTruncatedValueWithoutReluAndDecodesAtOnce() throws Exception {
    int n = 16;
    Query q = new Query(new FieldLayerSpec(FieldLayerSpec.Kind.TRUNCATE, n, F), values(n));
    q.runOverChannel(q.zU);
    AuthenticatedVector share = q.user.outputShare();
    int negatives = 0;
    for (int i = 0; i < n; i++) {
      long y = PrimeField.add(share.value(i), q.masks[i]);
      assertEquals(q.expected(i, false), y, "neuron " + i);
      negatives += FieldFixedPoint.center(y) < 0 ? 1 : 0;
    }
    assertTrue(negatives > 0, "some outputs are negative: no ReLU was applied");
    MacCheckVerifier v = q.verifier();
    check(q.prover(q.user.circuitInput()), v);
    assertTrue(v.accepted());
    assertThrows(IllegalStateException.class, () -> q.owner.release(v),
        "a hidden layer's decoding is not withheld");
  }

  @Test
  void logitsAreDecodedOnlyAfterTheCheckAccepted() throws Exception {
    int n = 12;
    Query q = new Query(new FieldLayerSpec(FieldLayerSpec.Kind.LOGITS, n, F), values(n));
    q.runOverChannel(q.zU);
    assertThrows(IllegalStateException.class, () -> q.user.outputShare());
    MacCheckVerifier v = q.verifier();
    assertThrows(IllegalStateException.class, () -> q.owner.release(v));
    check(q.prover(q.user.circuitInput()), v);
    AuthenticatedVector share = q.user.decode(q.owner.release(v)).outputShare();
    for (int i = 0; i < n; i++) {
      assertEquals(q.expected(i, false), PrimeField.add(share.value(i), q.masks[i]));
      // the output table authenticated the share before U could read it
      assertEquals(PrimeField.add(q.owner.outputKeys().key(i),
          PrimeField.mul(q.alpha.alpha(), share.value(i))), share.tag(i));
    }
    assertThrows(IllegalStateException.class, () -> q.owner.release(v));
  }

  @Test
  void labelLayerGivesTheArgmaxAfterTheCheck() throws Exception {
    long[] z = {-(5L << 20), 3L << 20, (3L << 20) + 1, 2L << 20, -1, (3L << 20) + 1};
    Query q = new Query(new FieldLayerSpec(FieldLayerSpec.Kind.LABEL, z.length, F), z);
    q.runOverChannel(q.zU);
    MacCheckVerifier v = q.verifier();
    check(q.prover(q.user.circuitInput()), v);
    assertEquals(2, q.user.decode(q.owner.release(v)).label()); // the first of the two maxima
    assertThrows(IllegalStateException.class, () -> q.owner.outputKeys());
  }

  @Test
  void museOffsetOnTheCircuitInputShiftsTheOutputWithoutTheCheckAndAbortsWithIt()
      throws Exception {
    int n = 6;
    long[] z = {1L << 20, 2L << 20, -(3L << 20), 4L << 20, 5, 6L << 20};
    long delta = 1000L << F; // U feeds z_U + delta on neuron 2 to probe where z crosses a point
    for (boolean checkOn : new boolean[] {false, true}) {
      Query q = new Query(new FieldLayerSpec(FieldLayerSpec.Kind.LOGITS, n, F), z);
      long[] fed = q.zU.clone();
      fed[2] = PrimeField.add(fed[2], delta);
      q.runOverChannel(fed);
      // the modified client claims the circuit saw its authenticated z_U
      AuthenticatedVector lie = AuthenticatedVector.of(q.authZu.values(),
          q.user.circuitInput().tags());
      MacCheckVerifier v = checkOn ? q.verifier() : CheckSwitch.off(q.verifier());
      if (checkOn) {
        assertThrows(MacCheckFailedException.class, () -> check(q.prover(lie), v));
        assertThrows(IllegalStateException.class, () -> q.owner.release(v),
            "O withholds the output decoding");
        assertThrows(IllegalStateException.class, () -> q.user.outputShare());
      } else {
        check(q.prover(lie), v);
        AuthenticatedVector share = q.user.decode(q.owner.release(v)).outputShare();
        long got = FieldFixedPoint.center(PrimeField.add(share.value(2), q.masks[2]));
        assertEquals(-3L * (1 << 4) + 1000, got, "the output moved by the offset");
        assertEquals(q.expected(3, false), PrimeField.add(share.value(3), q.masks[3]));
      }
    }
  }

  @Test
  void aLieAboutTheOutputShareIsCaught() throws Exception {
    int n = 5;
    for (boolean checkOn : new boolean[] {false, true}) {
      Query q = new Query(new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, n, F), values(n));
      q.runSteps(q.zU);
      AuthenticatedVector share = q.user.outputShare();
      long[] claimed = share.values();
      claimed[1] = PrimeField.add(claimed[1], 1L << F); // next layer would see +1.0
      MacCheckProver pr = new MacCheckProver().zero(q.user.circuitInput().sub(q.authZu))
          .open(AuthenticatedVector.of(claimed, share.tags()));
      MacCheckVerifier v = checkOn ? q.verifier() : CheckSwitch.off(q.verifier());
      if (checkOn) {
        assertThrows(MacCheckFailedException.class, () -> check(pr, v));
      } else {
        check(pr, v);
        assertNotEquals(share.value(1), v.openedValues().get(0)[1]);
      }
    }
  }

  @Test
  void aNonCanonicalCircuitInputChangesTheResultAndIsCaughtByTheFlag() throws Exception {
    // z_U + p still fits 46 bits when z_U < 2^46 - p; the label table alone would see the
    // same residue, but the circuit then wraps wrongly when z_U + z_O >= p
    int n = 3;
    long[] z = {1000, 2000, 3000}; // at f = 0 the result is z itself
    for (boolean checkOn : new boolean[] {false, true}) {
      long[] zU = rand(n);
      zU[1] = 500_000; // below 2^46 - p, and above z[1], so z_U + z_O = z + p wraps
      Query r = new Query(new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, n, 0), z, zU);
      long[] fed = r.zU.clone();
      fed[1] += P;
      r.runSteps(fed);
      long got = PrimeField.add(r.user.outputShare().value(1), r.masks[1]);
      MacCheckVerifier v = checkOn ? r.verifier() : CheckSwitch.off(r.verifier());
      if (checkOn) {
        assertThrows(MacCheckFailedException.class,
            () -> check(r.prover(r.user.circuitInput()), v));
      } else {
        assertEquals(0, got, "z + p read as negative: ReLU gives 0 instead of 2000");
        assertEquals(PrimeField.reduce(r.zU[1]), r.user.circuitInput().value(1));
        check(r.prover(r.user.circuitInput()), v);
      }
    }
  }

  @Test
  void pooledLayerReSharesEachWindowsMaximumAndPassesOneBatchedCheck() throws Exception {
    for (boolean relu : new boolean[] {true, false}) {
      int pooled = 5;
      FieldLayerSpec spec = new FieldLayerSpec(relu ? FieldLayerSpec.Kind.HIDDEN
          : FieldLayerSpec.Kind.TRUNCATE, pooled, F, 4);
      assertEquals(20, spec.inputs());
      Query q = new Query(spec, values(20));
      q.runOverChannel(q.zU);
      AuthenticatedVector share = q.user.outputShare();
      assertEquals(pooled, share.length());
      assertEquals(20, q.user.circuitInput().length());
      for (int v = 0; v < pooled; v++) {
        long best = Long.MIN_VALUE;
        for (int w = 0; w < 4; w++) {
          best = Math.max(best, FieldFixedPoint.center(q.expected(4 * v + w, false)));
        }
        long want = FieldFixedPoint.embed(relu ? Math.max(0, best) : best);
        assertEquals(want, PrimeField.add(share.value(v), q.masks[v]), "pooled value " + v);
      }
      MacCheckVerifier v = q.verifier();
      check(q.prover(q.user.circuitInput()), v);
      assertTrue(v.accepted());
    }
  }

  @Test
  void aNonCanonicalInputAtAnyWindowPositionIsCaughtByItsFlag() throws Exception {
    // the zero claim sees z_U + p as z_U mod p; only the flag of that window value, weighted by
    // the owner's secret, can make the check fail
    for (int slot = 0; slot < 4; slot++) {
      long[] z = {1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000};
      long[] zU = rand(8);
      int at = 4 + slot; // the second pooled value's window
      zU[at] = 500_000;
      Query r = new Query(new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, 2, 0, 4), z, zU);
      long[] fed = r.zU.clone();
      fed[at] += P;
      r.runSteps(fed);
      assertEquals(PrimeField.reduce(r.zU[at]), r.user.circuitInput().value(at));
      MacCheckVerifier v = r.verifier();
      assertThrows(MacCheckFailedException.class,
          () -> check(r.prover(r.user.circuitInput()), v), "slot " + slot);
    }
    Query honest = new Query(new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, 2, 0, 4),
        new long[] {1, 2, 3, 4, 5, 6, 7, 8});
    honest.runSteps(honest.zU.clone());
    check(honest.prover(honest.user.circuitInput()), honest.verifier());
  }

  @Test
  void messagesOfOneGarblingAreRefusedByAnotherAndEachStepRunsOnce() {
    FieldLayerSpec spec = new FieldLayerSpec(FieldLayerSpec.Kind.LOGITS, 4, F);
    MacKey alpha = alpha();
    long[] masks = rand(4);
    long[] zU = rand(4);
    long[] zO = rand(4);
    FieldLayerEvaluator ea = FieldLayerEvaluator.start(spec, RNG);
    FieldLayerEvaluator eb = FieldLayerEvaluator.start(spec, RNG);
    FieldLayerGarbler ga = FieldLayerGarbler.garble(spec, alpha, masks, RNG);
    FieldLayerGarbler gb = FieldLayerGarbler.garble(spec, alpha, masks, RNG);
    FieldLayerGarbler.Offline oa = ga.answer(OtStart.decode(ea.message()));
    FieldLayerGarbler.Offline ob = gb.answer(OtStart.decode(eb.message()));
    assertThrows(IllegalStateException.class, () -> ga.answer(OtStart.decode(ea.message())));
    FieldLayerEvaluator.Requested qa = ea.receive(Garbling.decode(oa.message())).request(zU);
    FieldLayerEvaluator.Requested qb = eb.receive(Garbling.decode(ob.message())).request(zU);
    // A's request at B's garbler: another session; B is spent and erased afterwards
    assertThrows(ProtocolAbortException.class,
        () -> ob.respond(LabelRequest.decode(qa.message()), zO));
    assertThrows(IllegalStateException.class,
        () -> ob.respond(LabelRequest.decode(qb.message()), zO));
    FieldLayerGarbler.Online ona = oa.respond(LabelRequest.decode(qa.message()), zO);
    // A's labels replayed into B's evaluation: refused
    assertThrows(ProtocolAbortException.class,
        () -> qb.finish(InputLabels.decode(ona.message())));
    FieldLayerEvaluator.Evaluated a = qa.finish(InputLabels.decode(ona.message()));
    assertThrows(IllegalStateException.class,
        () -> qa.finish(InputLabels.decode(ona.message())), "a second evaluation is refused");
    MacCheckVerifier v = CheckSwitch.off(new MacCheckVerifier(alpha, RNG));
    check(new MacCheckProver(), v);
    OutputDecoding d = ona.release(v);
    OutputDecoding foreign = new OutputDecoding(new byte[16], d.decoding());
    assertThrows(ProtocolAbortException.class, () -> a.decode(foreign));
    a.decode(OutputDecoding.decode(d.encode()));
    for (int i = 0; i < 4; i++) {
      assertEquals(FieldFixedPoint.truncate(zU[i], zO[i], F),
          PrimeField.add(a.outputShare().value(i), masks[i]));
    }
    assertThrows(IllegalStateException.class, () -> a.decode(d));
  }

  @Test
  void replayedLabelTableGivesTagsThatFailTheCheck() throws Exception {
    // a modified client that reads garbling B's labels through garbling A's input table gets
    // values that match no key of the owner's
    int n = 4;
    Query q = new Query(new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, n, F), values(n));
    FieldLayerSpec spec = q.spec;
    FieldLayerEvaluator ea = FieldLayerEvaluator.start(spec, RNG);
    FieldLayerGarbler.Offline oa = FieldLayerGarbler.garble(spec, q.alpha, q.masks, RNG)
        .answer(OtStart.decode(ea.message()));
    FieldLayerEvaluator eb = FieldLayerEvaluator.start(spec, RNG);
    FieldLayerGarbler.Offline ob = FieldLayerGarbler.garble(spec, q.alpha, q.masks, RNG)
        .answer(OtStart.decode(eb.message()));
    Garbling ga = Garbling.decode(oa.message());
    Garbling gb = Garbling.decode(ob.message());
    // B's garbling with A's tables spliced in (the session id stays B's)
    Garbling spliced = new Garbling(gb.session(), gb.fingerprint(), gb.kos(), gb.tables(),
        gb.maskLabels(), ga.inputTable(), ga.outputTable(), ga.shareTable(), ga.shareOffsets(),
        gb.decoding());
    FieldLayerEvaluator.Requested qb = eb.receive(spliced).request(q.zU);
    FieldLayerGarbler.Online onb = ob.respond(LabelRequest.decode(qb.message()), q.zO);
    FieldLayerEvaluator.Evaluated b = qb.finish(InputLabels.decode(onb.message()));
    q.owner = onb;
    q.user = b;
    assertThrows(MacCheckFailedException.class,
        () -> check(q.prover(b.circuitInput()), q.verifier()));
  }

  @Test
  void badInputIsRefusedWithTypedErrors() {
    FieldLayerSpec spec = new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, 2, F);
    MacKey alpha = alpha();
    assertThrows(IllegalArgumentException.class,
        () -> new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, 0, F));
    assertThrows(IllegalArgumentException.class,
        () -> new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, 2, 45));
    assertThrows(IllegalArgumentException.class,
        () -> FieldLayerGarbler.garble(spec, alpha, new long[3], RNG));
    assertThrows(dev.oml.core.field.FieldElementException.class,
        () -> FieldLayerGarbler.garble(spec, alpha, new long[] {0, P}, RNG));
    FieldLayerEvaluator e = FieldLayerEvaluator.start(spec, RNG);
    FieldLayerGarbler.Offline o = FieldLayerGarbler.garble(spec, alpha, new long[2], RNG)
        .answer(OtStart.decode(e.message()));
    byte[] m = o.message();
    assertThrows(ProtocolAbortException.class,
        () -> Garbling.decode(java.util.Arrays.copyOf(m, m.length - 1)));
    // a garbling for another layer width
    FieldLayerEvaluator other = FieldLayerEvaluator.start(
        new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, 3, F), RNG);
    assertThrows(ProtocolAbortException.class, () -> other.receive(Garbling.decode(m)));
    // a hidden layer's garbling without its share table, or with one offset short
    Garbling g = Garbling.decode(m);
    Garbling noShares = new Garbling(g.session(), g.fingerprint(), g.kos(), g.tables(),
        g.maskLabels(), g.inputTable(), g.outputTable(), new byte[0], g.shareOffsets(),
        g.decoding());
    assertThrows(ProtocolAbortException.class,
        () -> FieldLayerEvaluator.start(spec, RNG).receive(noShares));
    Garbling shortOffsets = new Garbling(g.session(), g.fingerprint(), g.kos(), g.tables(),
        g.maskLabels(), g.inputTable(), g.outputTable(), g.shareTable(),
        java.util.Arrays.copyOf(g.shareOffsets(), FieldCodec.bytes(1)), g.decoding());
    assertThrows(ProtocolAbortException.class,
        () -> FieldLayerEvaluator.start(spec, RNG).receive(shortOffsets));
    FieldLayerEvaluator.Ready ready = e.receive(Garbling.decode(m));
    assertThrows(dev.oml.core.field.FieldElementException.class,
        () -> ready.request(new long[] {1, P}));
  }

  @Test
  void choiceLabelsOfTheWrongSizeAreRefused() {
    // within a bundle the garbling carries one correction block per bit of z_U (the public flip
    // bit's offline half); one word short is refused by form, as are choice labels in a
    // garbling whose layer has its own OTs
    FieldLayerSpec spec = new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, 2, F);
    MacKey alpha = alpha();
    dev.oml.mpc.ot.KosExtensionReceiver xr = new dev.oml.mpc.ot.KosExtensionReceiver(RNG);
    dev.oml.mpc.ot.KosExtensionSender xs = new dev.oml.mpc.ot.KosExtensionSender(RNG);
    xr.setup(xs.secondMessage(xr.firstMessage()));
    dev.oml.mpc.ot.KosDomain dom = new dev.oml.mpc.ot.KosDomain("tier2/garbling", 0, 0);
    FieldLayerEvaluator e = FieldLayerEvaluator.start(spec, xr, dom);
    Garbling g = Garbling.decode(FieldLayerGarbler.garble(spec, alpha, new long[2], xs, dom, RNG)
        .answer(OtStart.decode(e.message())).message());
    assertEquals(2 * 46 * 2, g.choiceLabels().length);
    Garbling shortChoice = new Garbling(g.session(), g.fingerprint(), g.kos(), g.tables(),
        g.maskLabels(), g.inputTable(), g.outputTable(), g.shareTable(), g.shareOffsets(),
        g.decoding(), java.util.Arrays.copyOf(g.choiceLabels(), g.choiceLabels().length - 1));
    assertThrows(ProtocolAbortException.class, () -> e.receive(shortChoice));
    FieldLayerEvaluator own = FieldLayerEvaluator.start(spec, RNG);
    Garbling h = Garbling.decode(FieldLayerGarbler.garble(spec, alpha, new long[2], RNG)
        .answer(OtStart.decode(own.message())).message());
    assertEquals(0, h.choiceLabels().length);
    Garbling extra = new Garbling(h.session(), h.fingerprint(), h.kos(), h.tables(),
        h.maskLabels(), h.inputTable(), h.outputTable(), h.shareTable(), h.shareOffsets(),
        h.decoding(), new long[4]);
    assertThrows(ProtocolAbortException.class, () -> own.receive(extra));
  }

  @Test
  void bytesPerNeuron() {
    int n = 128;
    FieldLayerSpec spec = new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, n, F);
    Query q;
    try {
      q = new Query(spec, values(n));
    } catch (Exception ex) {
      throw new AssertionError(ex);
    }
    FieldLayerEvaluator e = FieldLayerEvaluator.start(spec, RNG);
    byte[] m1 = e.message();
    FieldLayerGarbler.Offline off = FieldLayerGarbler.garble(spec, q.alpha, q.masks, RNG)
        .answer(OtStart.decode(m1));
    FieldLayerEvaluator.Requested r = e.receive(Garbling.decode(off.message())).request(q.zU);
    FieldLayerGarbler.Online on = off.respond(LabelRequest.decode(r.message()), q.zO);
    r.finish(InputLabels.decode(on.message()));
    int ands = spec.circuit().andGates();
    // input table (47 wires), output and share tables over the 49 - f result wires (the sum's
    // 47 - f high bits and two corrections), offsets
    int tables = LabelTable.payloadBytes(n, 47) + 2 * LabelTable.payloadBytes(n, 49 - F)
        + FieldCodec.bytes(n);
    assertEquals((282 + 12 * (49 - F) + 6) * n, tables);
    // the garbling holds the half-gates tables and the three label tables, no mask labels
    // (they would add 16 * 46 bytes per neuron), no decoding, and besides the KOS message (base
    // OTs, outside a bundle) a few hundred bytes of framing
    assertTrue(off.bytes() > 32 * ands * n + tables);
    Garbling g = Garbling.decode(off.message());
    assertEquals(0, g.maskLabels().length);
    assertEquals(0, g.decoding().length);
    assertTrue(off.bytes() < 32 * ands * n + tables + g.kos().length + 512);
    System.out.printf("F_p hidden layer, %d neurons, f=%d: %d AND/neuron; bytes per neuron:"
        + " OT start %.1f, garbling %.1f (tables %d, label tables %d), request %.1f,"
        + " labels %.1f%n", n, F, ands, m1.length / (double) n, off.bytes() / (double) n,
        32 * ands, tables / n, r.message().length / (double) n,
        on.message().length / (double) n);
  }
}
