package dev.oml.mpc.tier2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.PrimeField;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.Ciphertext;
import dev.oml.he.HeContext;
import dev.oml.he.MatVecLayout;
import dev.oml.he.PublicKey;
import dev.oml.mpc.auth.AuthenticatedVector;
import dev.oml.mpc.auth.CheckSwitch;
import dev.oml.mpc.auth.MacCheckFailedException;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.inference.BundleExhaustedException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.testkit.TinyModels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tier-2 query end to end on a tiny Dense 8-6-4-3 MLP (two hidden ReLU layers, so every
 * flight runs: HE direction 2, the authenticated opening of a hidden {@code d}), INSECURE HE
 * parameters. Oracle: {@link FieldFixedPointInference} on the unshared model, bit for bit, and
 * for the attacks with the check switched off the same reference with the attack's offset put
 * in by hand. With the check on each attack ends in {@link MacCheckFailedException} on both
 * sides, the owner released nothing, and the bundle serves no further query.
 */
class Tier2QueryTest {
  static final int F = 12;

  static Tier2Run tiny(boolean argmax) {
    return new Tier2Run(TinyModels.mlp(FixedPointFormat.of(40, F), 7, argmax), F);
  }

  @Test
  void logitsOfEveryQueryOfABundleOfThreeEqualTheFieldReference() throws Exception {
    Tier2Run run = tiny(false).offline(3, OutputPolicy.LOGITS);
    for (int k = 0; k < 3; k++) {
      long[] x = run.input(k);
      Tier2Run.Outcome o = run.query(x);
      assertNull(o.userError());
      assertNull(o.ownerError());
      assertArrayEquals(run.expectedLogits(x), o.result().logits(), "query " + k);
    }
    assertEquals(3, run.ownerBundle.released());
    assertEquals(0, run.userBundle.remaining());
    assertThrows(BundleExhaustedException.class, () -> run.ownerBundle.serve(run.channels.first()));
  }

  @Test
  void labelsOfEveryQueryOfABundleOfThreeEqualTheFieldReference() throws Exception {
    Tier2Run run = tiny(true).offline(3, OutputPolicy.LABEL);
    for (int k = 0; k < 3; k++) {
      long[] x = run.input(10 + k);
      Tier2Run.Outcome o = run.query(x);
      assertNull(o.userError());
      assertNull(o.result().logits(), "LABEL gives no logits");
      assertEquals(FieldFixedPointInference.argmax(run.expectedLogits(x)), o.result().label(),
          "query " + k);
    }
    assertEquals(3, run.ownerBundle.released());
  }

  /** Runs a bundle of two queries, the deviation in the first; the owner's check on or off. */
  static Tier2Run attacked(Tier2User.Deviation dev, boolean checkOn) throws Exception {
    Tier2Run run = tiny(false);
    run.user.deviation = dev;
    if (!checkOn) {
      run.owner.verifierHook = CheckSwitch::off;
    }
    return run.offline(2, OutputPolicy.LOGITS);
  }

  static void assertCaught(Tier2Run run, Tier2Run.Outcome o) {
    assertInstanceOf(MacCheckFailedException.class, o.userError());
    assertInstanceOf(MacCheckFailedException.class, o.ownerError());
    assertNull(o.result(), "no output");
    assertEquals(0, run.ownerBundle.released(), "the owner released nothing");
    assertTrue(run.ownerBundle.aborted());
    assertEquals(0, run.ownerBundle.remaining(), "the bundle ends at its first failed check");
    assertEquals(0, run.userBundle.remaining());
    assertThrows(BundleExhaustedException.class, () -> run.ownerBundle.serve(run.channels.first()));
  }

  static final long DELTA = 1000L << (2 * F); // +1000.0 on a pre-activation (scale 2^(2f))

  /** A MUSE offset on U's circuit input of the first layer, neuron 1. */
  static final Tier2User.Deviation MUSE = new Tier2User.Deviation() {
    @Override
    public long[] circuitInput(int query, int layer, long[] zU) {
      if (query == 0 && layer == 0) {
        zU[1] = PrimeField.add(zU[1], DELTA);
      }
      return zU;
    }
  };

  @Test
  void museOffsetOnTheFirstCircuitInputShiftsTheLogitsWithTheCheckOffAndAbortsWithItOn()
      throws Exception {
    Tier2Run off = attacked(MUSE, false);
    long[] x = off.input(1);
    Tier2Run.Outcome o = off.query(x);
    assertNull(o.userError());
    long[] shifted = off.shiftedLogits(x, 0, 1, DELTA, 0);
    assertFalse(java.util.Arrays.equals(off.expectedLogits(x), shifted), "the offset matters");
    assertArrayEquals(shifted, o.result().logits(), "the attack works without the check");

    Tier2Run on = attacked(MUSE, true);
    assertCaught(on, on.query(on.input(1)));
  }

  /** A crafted term {@code +DELTA e_2} in U's first offline answer (value ciphertext). */
  static Tier2User.Deviation craftedTerm(Tier2Run run) {
    return new Tier2User.Deviation() {
      @Override
      public OfflineHe.UserAnswer matrixAnswer(int query, int layer, OfflineHe.EncryptedMatrix m,
          AuthenticatedVector r, OfflineHe.BundleKey key, OfflineHe.UserAnswer honest) {
        if (query != 0 || layer != 0) {
          return honest;
        }
        HeContext ctx = run.he.context();
        PublicKey pk = ctx.serializer().loadPublicKey(key.publicKey());
        List<Ciphertext> tiles = new ArrayList<>();
        for (byte[] b : m.tiles()) {
          tiles.add(ctx.serializer().loadCiphertext(b));
        }
        long[] t = honest.share().values();
        long[] tTag = honest.share().tags();
        MatVecLayout layout = run.he.matrixLayout(t.length, r.length());
        long[] mask = t.clone();
        mask[2] = PrimeField.sub(mask[2], DELTA); // O decrypts W_O r - t + DELTA e_2
        return new OfflineHe.UserAnswer(new OfflineHe.ProductAnswer(
            save(ctx.coefficientMatVec().answerEncryptedMatrixCompact(layout, tiles, r.values(),
                mask, pk, run.he.kappa())),
            save(ctx.coefficientMatVec().answerEncryptedMatrixCompact(layout, tiles, r.tags(),
                tTag, pk, run.he.kappa()))), honest.share());
      }
    };
  }

  static List<byte[]> save(List<dev.oml.he.CompactAnswer> answers) {
    List<byte[]> out = new ArrayList<>();
    for (dev.oml.he.CompactAnswer c : answers) {
      out.add(c.encode());
    }
    return out;
  }

  @Test
  void craftedTermInAnOfflineAnswerShiftsTheLogitsWithTheCheckOffAndAbortsWithItOn()
      throws Exception {
    Tier2Run off = tiny(false);
    off.user.deviation = craftedTerm(off);
    off.owner.verifierHook = CheckSwitch::off;
    off.offline(2, OutputPolicy.LOGITS);
    long[] x = off.input(2);
    Tier2Run.Outcome o = off.query(x);
    assertNull(o.userError());
    long[] shifted = off.shiftedLogits(x, 0, 2, DELTA, 0);
    assertFalse(java.util.Arrays.equals(off.expectedLogits(x), shifted));
    assertArrayEquals(shifted, o.result().logits(), "the crafted term reaches the output");

    Tier2Run on = tiny(false);
    on.user.deviation = craftedTerm(on);
    on.offline(2, OutputPolicy.LOGITS);
    assertCaught(on, on.query(on.input(2)));
  }

  /**
   * An offset of 1.0 on the opened {@code d} of the last layer, input {@code j}: the logits move
   * by exactly column {@code j} of the last weight matrix (a floor plus an integer), so U reads
   * the owner's weights off two queries on the same input.
   */
  static Tier2User.Deviation openingOffset(int j) {
    return new Tier2User.Deviation() {
      @Override
      public long[] opening(int query, int layer, long[] d) {
        if (query == 1 && layer == 2) {
          d[j] = PrimeField.add(d[j], 1L << F);
        }
        return d;
      }
    };
  }

  @Test
  void offsetOnAnOpenedDRecoversAWeightColumnWithTheCheckOffAndAbortsWithItOn()
      throws Exception {
    int j = 3;
    Tier2Run off = attacked(openingOffset(j), false);
    long[] x = off.input(3);
    long[] honest = off.query(x).result().logits();
    assertArrayEquals(off.expectedLogits(x), honest);
    Tier2Run.Outcome o = off.query(x);
    assertNull(o.userError());
    int last = 4; // Dense, ReLU, Dense, ReLU, Dense
    int cols = off.reference.cols(last);
    for (int i = 0; i < honest.length; i++) {
      long recovered = Tier2Run.centered(PrimeField.sub(o.result().logits()[i], honest[i]));
      assertEquals(Tier2Run.centered(off.reference.matrix(last)[i * cols + j]), recovered,
          "recovered W[" + i + "][" + j + "]");
    }

    Tier2Run on = attacked(openingOffset(j), true);
    assertNotNull(on.query(x).result(), "the honest first query");
    Tier2Run.Outcome caught = on.query(x);
    assertInstanceOf(MacCheckFailedException.class, caught.userError());
    assertInstanceOf(MacCheckFailedException.class, caught.ownerError());
    assertNull(caught.result());
    assertEquals(1, on.ownerBundle.released(), "only the honest query was released");
  }

  @Test
  void aQuerysLabelRequestReplayedInTheNextQueryIsRefusedAndEndsTheBundle() throws Exception {
    Tier2Run run = tiny(false);
    byte[][] recorded = new byte[1][];
    run.user.deviation = new Tier2User.Deviation() {
      @Override
      public byte[] labelRequest(int query, int layer, byte[] message) {
        if (layer == 1 && query == 0) {
          recorded[0] = message;
        }
        return query == 1 && layer == 1 ? recorded[0] : message;
      }
    };
    run.offline(3, OutputPolicy.LOGITS);
    long[] x = run.input(4);
    assertArrayEquals(run.expectedLogits(x), run.query(x).result().logits());
    Tier2Run.Outcome o = run.query(x);
    assertInstanceOf(ProtocolAbortException.class, o.ownerError());
    assertFalse(o.ownerError() instanceof MacCheckFailedException, "refused as another garbling's");
    assertNotNull(o.userError());
    assertNull(o.result());
    assertEquals(1, run.ownerBundle.released());
    assertEquals(0, run.ownerBundle.remaining(), "the third query is not served");
  }

  @Test
  void aQueryRunsAsLocalStepsInOneThreadAndEachStepIsSingleUse() throws Exception {
    Tier2Run run = tiny(false).offline(1, OutputPolicy.LOGITS);
    long[] x = run.input(5);
    Tier2User.Bundle.LayerStep u = run.userBundle.start(x);
    Tier2Owner.Bundle.LayerStep o = run.ownerBundle.start();
    Tier2Owner.Bundle.LayerAnswer a;
    while (true) {
      a = o.answer(u.opening(), u.labelRequest());
      if (a.last()) {
        break;
      }
      Tier2Owner.Bundle.LayerStep used = o;
      byte[] op = u.opening();
      byte[] lr = u.labelRequest();
      assertThrows(IllegalStateException.class, () -> used.answer(op, lr));
      u = u.next(a.inputLabels());
      o = a.next();
    }
    Tier2User.Bundle.CheckStep uc = u.finish(a.inputLabels());
    Tier2Owner.Bundle.CheckStep oc = a.check();
    Tier2User.Bundle.ResponseStep ur = uc.respond(oc.challenge());
    Tier2Owner.Verdict v = oc.verify(ur.response());
    assertTrue(v.accepted());
    Tier2User.Result r = ur.finish(v.release());
    assertArrayEquals(run.expectedLogits(x), r.logits());
    assertThrows(IllegalStateException.class, () -> ur.finish(v.release()));
    assertThrows(IllegalStateException.class, () -> oc.verify(ur.response()));
    assertEquals(1, run.ownerBundle.released());
    assertThrows(BundleExhaustedException.class, () -> run.ownerBundle.start());
    assertThrows(BundleExhaustedException.class, () -> run.userBundle.start(x));
  }

  @Test
  void anOpeningOfAnotherQueryIsRefused() {
    long[] d = {1, 2, 3};
    byte[] m = new Tier2Messages.Opening(0, 1, d).encode();
    assertArrayEquals(d, Tier2Messages.Opening.decode(m, 0, 1, 3).d());
    assertThrows(ProtocolAbortException.class, () -> Tier2Messages.Opening.decode(m, 1, 1, 3));
    assertThrows(ProtocolAbortException.class, () -> Tier2Messages.Opening.decode(m, 0, 2, 3));
    assertThrows(ProtocolAbortException.class, () -> Tier2Messages.Opening.decode(m, 0, 1, 4));
    byte[] bad = new Tier2Messages.Opening(0, 1, new long[] {PrimeField.P}).encode();
    assertThrows(ProtocolAbortException.class, () -> Tier2Messages.Opening.decode(bad, 0, 1, 1));
    byte[] rel = new Tier2Messages.Release(2, true, new byte[] {9}, new long[] {5, 6}).encode();
    Tier2Messages.Release back = Tier2Messages.Release.decode(rel, 2, 2);
    assertTrue(back.accepted());
    assertArrayEquals(new long[] {5, 6}, back.ownerShare());
    assertThrows(ProtocolAbortException.class, () -> Tier2Messages.Release.decode(rel, 3, 2));
    assertThrows(ProtocolAbortException.class, () -> Tier2Messages.Release.decode(rel, 2, 3));
  }
}
