package dev.oml.mpc.tier2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.FieldFixedPoint;
import dev.oml.core.field.PrimeField;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.Conv2D;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.mpc.auth.CheckSwitch;
import dev.oml.mpc.auth.MacCheckFailedException;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.gc.FieldLayerSpec;
import dev.oml.mpc.inference.BundleExhaustedException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.UnsupportedLayerException;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.mpc.tier2.internal.LayerPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Tier 2 on models with MaxPool2D, INSECURE HE parameters: the pooling is fused into the
 * circuit of the linear layer before it (truncation, the maximum of each window, ReLU if the
 * model has one there). Oracle: {@link FieldFixedPointInference} on the unshared model, bit for
 * bit, for every query of a bundle, on a CNN with ReLU before 2x2 pooling, a convolution straight
 * into overlapping 2x2 windows of stride 1 (no ReLU: negative maxima), and 2x2 windows of stride
 * 3 that skip rows, with ReLU after the pooling. MUSE offsets on the max circuit's input (one
 * window value) and on its output (U's pooled share, as the next layer opens it) shift the logits
 * as the offset reference says with the check off, and abort the bundle with it on.
 */
class Tier2MaxPoolTest {
  static final int F = 12;
  static final FixedPointFormat FMT = FixedPointFormat.of(40, F);

  static double[] w(Random r, int n, double scale) {
    return TinyModels.weights(r, n, scale);
  }

  /** Conv 3x3 pad 1 (1 -> 2) on 6x6, ReLU, MaxPool 2x2, Flatten, Dense 18 -> 3. */
  static Model cnn(boolean argmax) {
    Random r = new Random(31);
    List<Layer> layers = new ArrayList<>(List.of(
        new Conv2D(1, 2, 3, 1, 1, w(r, 18, 0.8), w(r, 2, 0.3)), new ReLU(),
        new MaxPool2D(2, 2), new Flatten(),
        new Dense(18, 3, w(r, 54, 0.9), w(r, 3, 0.5))));
    if (argmax) {
      layers.add(new Argmax());
    }
    return Model.of("t2-maxpool", new Shape(1, 6, 6), layers, FMT, 2);
  }

  /** Conv 2x2 (2 -> 2) on 5x5, MaxPool 2x2 stride 1, Flatten, Dense 18 -> 4, ReLU, Dense 4 -> 3. */
  static Model overlapping() {
    Random r = new Random(32);
    return Model.of("t2-maxpool-overlap", new Shape(2, 5, 5), List.of(
        new Conv2D(2, 2, 2, 1, 0, w(r, 16, 0.8), w(r, 2, 0.4)), new MaxPool2D(2, 1),
        new Flatten(), new Dense(18, 4, w(r, 72, 0.9), w(r, 4, 0.5)), new ReLU(),
        new Dense(4, 3, w(r, 12, 0.9), w(r, 3, 0.5))), FMT, 2);
  }

  /** Conv 3x3 pad 1 (1 -> 2) on 7x7, MaxPool 2x2 stride 3, ReLU, Flatten, Dense 8 -> 3. */
  static Model skipping() {
    Random r = new Random(33);
    return Model.of("t2-maxpool-skip", new Shape(1, 7, 7), List.of(
        new Conv2D(1, 2, 3, 1, 1, w(r, 18, 0.8), w(r, 2, 0.3)), new MaxPool2D(2, 3),
        new ReLU(), new Flatten(), new Dense(8, 3, w(r, 24, 0.9), w(r, 3, 0.5))), FMT, 2);
  }

  static Tier2Run bundleEqualsReference(Model m, int n) throws Exception {
    return Tier2Run.logitsBundleEqualsReference(m, F, n, 300);
  }

  @Test
  void cnnWithReluThenMaxPoolEqualsTheFieldReference() throws Exception {
    Tier2Run run = bundleEqualsReference(cnn(false), 2);
    LayerPlan plan = LayerPlan.of(run.reference, run.omlized.artifact().tensors());
    assertEquals(List.of("conv2d", "dense"),
        plan.layers().stream().map(LayerPlan.Linear::kind).toList());
    assertEquals(72, plan.get(0).rows());
    assertEquals(18, plan.get(0).outputs());
    FieldLayerSpec spec = plan.spec(0, OutputPolicy.LOGITS, F);
    assertEquals(FieldLayerSpec.Kind.HIDDEN, spec.kind());
    assertEquals(4, spec.window());
    assertEquals(18, spec.neurons());
    assertEquals(72, spec.inputs());
  }

  @Test
  void cnnLabelsEqualTheFieldReference() throws Exception {
    Tier2Run run = new Tier2Run(cnn(true), F).offline(1, OutputPolicy.LABEL);
    for (int k = 0; k < 1; k++) {
      long[] x = run.input(400 + k);
      Tier2Run.Outcome o = run.query(x);
      assertNull(o.userError());
      assertEquals(FieldFixedPointInference.argmax(run.expectedLogits(x)), o.result().label());
    }
  }

  @Test
  void overlappingWindowsWithoutReluEqualTheFieldReference() throws Exception {
    Tier2Run run = bundleEqualsReference(overlapping(), 1);
    LayerPlan plan = LayerPlan.of(run.reference, run.omlized.artifact().tensors());
    FieldLayerSpec spec = plan.spec(0, OutputPolicy.LOGITS, F);
    assertEquals(FieldLayerSpec.Kind.TRUNCATE, spec.kind());
    // 32 conv outputs, 18 windows of 4: inner values are fed to up to 4 windows
    assertEquals(72, spec.inputs());
    // the pooled values the max circuit produces include negative ones (no ReLU before it)
    boolean negativeMax = false;
    for (long v : pooled(run, run.input(300))) {
      negativeMax |= center(v) < 0;
    }
    assertTrue(negativeMax, "some window maximum is negative");
  }

  /** The first layer's pooled values in the clear: conv, truncation, window maxima. */
  static long[] pooled(Tier2Run run, long[] x) {
    var q = run.reference;
    long[] z = PrimeField.matVec(q.matrix(0), q.rows(0), x, null);
    PrimeField.add(z, q.bias(0), z);
    for (int j = 0; j < z.length; j++) {
      z[j] = FieldFixedPointInference.activate(z[j], 0, F, false);
    }
    MaxPool2D p = (MaxPool2D) q.model().layers().get(1);
    return FieldFixedPointInference.maxPool(p.windows(q.model().inputShapeOf(1)), p.window(), z);
  }

  @Test
  void windowsWithAStrideLargerThanTheKernelAndReluAfterEqualTheFieldReference()
      throws Exception {
    Tier2Run run = bundleEqualsReference(skipping(), 1);
    LayerPlan plan = LayerPlan.of(run.reference, run.omlized.artifact().tensors());
    assertEquals(FieldLayerSpec.Kind.HIDDEN, plan.spec(0, OutputPolicy.LOGITS, F).kind(),
        "the ReLU after the pooling belongs to the conv's circuit");
    assertEquals(8, plan.get(0).outputs());
  }

  static final long DELTA = 1000L << (2 * F);

  /**
   * {@code attack} on the CNN's first query: with the check off (a bundle of one) the logits
   * equal {@code shifted}; with it on (a bundle of two) the query aborts, nothing is released and
   * the bundle ends.
   */
  static void worksOffAndAbortsOn(Tier2User.Deviation attack, ShiftedOracle shifted)
      throws Exception {
    Tier2Run off = new Tier2Run(cnn(false), F);
    off.user.deviation = attack;
    off.owner.verifierHook = CheckSwitch::off;
    off.offline(1, OutputPolicy.LOGITS);
    long[] x = off.input(7);
    Tier2Run.Outcome o = off.query(x);
    assertNull(o.userError());
    long[] want = shifted.logits(off, x);
    assertFalse(Arrays.equals(off.expectedLogits(x), want), "the offset matters");
    assertArrayEquals(want, o.result().logits(), "the attack works without the check");

    Tier2Run on = new Tier2Run(cnn(false), F);
    on.user.deviation = attack;
    on.offline(2, OutputPolicy.LOGITS);
    Tier2Run.Outcome caught = on.query(on.input(7));
    assertInstanceOf(MacCheckFailedException.class, caught.userError());
    assertInstanceOf(MacCheckFailedException.class, caught.ownerError());
    assertNull(caught.result(), "no output");
    assertEquals(0, on.ownerBundle.released(), "the owner released nothing");
    assertEquals(0, on.ownerBundle.remaining(), "the bundle ends at its first failed check");
    assertThrows(BundleExhaustedException.class, () -> on.ownerBundle.serve(on.channels.first()));
  }

  interface ShiftedOracle {
    long[] logits(Tier2Run run, long[] x);
  }

  @Test
  void museOffsetOnAMaxCircuitInputShiftsTheLogitsWithTheCheckOffAndAbortsWithItOn()
      throws Exception {
    // window value 4 * 5 + 2 is pooled output 5's third value: conv output windows[22]
    int u = 4 * 5 + 2;
    int neuron = new MaxPool2D(2, 2).windows(new Shape(2, 6, 6))[u];
    Tier2User.Deviation attack = new Tier2User.Deviation() {
      @Override
      public long[] circuitInput(int query, int l, long[] zU) {
        if (query == 0 && l == 0) {
          assertEquals(72, zU.length, "U feeds the window values");
          zU[u] = PrimeField.add(zU[u], DELTA);
        }
        return zU;
      }
    };
    // 2x2 windows of stride 2 do not overlap: the offset on one window value is the offset on
    // that conv output
    worksOffAndAbortsOn(attack, (run, x) -> run.shiftedLogits(x, 0, neuron, DELTA, 0));
  }

  @Test
  void museOffsetOnAMaxCircuitOutputShiftsTheLogitsWithTheCheckOffAndAbortsWithItOn()
      throws Exception {
    int pooled = 11;
    long delta = 1000L << F;
    Tier2User.Deviation attack = new Tier2User.Deviation() {
      @Override
      public long[] opening(int query, int layer, long[] d) {
        if (query == 0 && layer == 1) {
          d[pooled] = PrimeField.add(d[pooled], delta);
        }
        return d;
      }
    };
    worksOffAndAbortsOn(attack, (run, x) -> run.shiftedLogits(x, 1, pooled, 0, delta));
  }

  @Test
  void misplacedMaxPoolIsRefusedWithATypedException() {
    Random r = new Random(34);
    List<List<Layer>> bad = List.of(
        List.of(new MaxPool2D(2, 2), new Flatten(), new Dense(4, 2, w(r, 8, 0.5), w(r, 2, 0.5))),
        List.of(new Conv2D(1, 1, 1, 1, 0, w(r, 1, 0.5), w(r, 1, 0.5)), new MaxPool2D(2, 1),
            new MaxPool2D(2, 1), new Flatten(), new Dense(4, 2, w(r, 8, 0.5), w(r, 2, 0.5))),
        List.of(new Conv2D(1, 1, 1, 1, 0, w(r, 1, 0.5), w(r, 1, 0.5)), new MaxPool2D(2, 2)));
    String[] says = {"MaxPool2D must follow a linear layer", "a second MaxPool2D",
        "not MaxPool2D"};
    for (int i = 0; i < bad.size(); i++) {
      var a = Tier2Run.omlize(Model.of("bad", new Shape(1, 4, 4), bad.get(i), FMT, 2), F)
          .artifact();
      UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
          () -> new Tier2User(a, new OfflineHe(Tier2Run.INSECURE_FP, 40), Tier2Run.RNG));
      assertTrue(e.getMessage().contains(says[i]), e.getMessage());
    }
  }

  @Test
  void theTierOneProtocolRefusesMaxPoolByName() {
    UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
        () -> dev.oml.mpc.inference.internal.Plan.of(cnn(false)));
    assertTrue(e.getMessage().contains("(maxpool2d)") && e.getMessage().contains("tier-2"),
        e.getMessage());
  }

  static long center(long v) {
    return FieldFixedPoint.center(v);
  }
}
