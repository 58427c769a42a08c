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
import dev.oml.core.model.Argmax;
import dev.oml.core.model.AvgPool2D;
import dev.oml.core.model.Conv2D;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FieldRangeException;
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
 * Tier 2 on models with Conv2D, AvgPool2D and Flatten, INSECURE HE parameters: a small CNN
 * (Conv2D, ReLU, AvgPool2D, Flatten, Dense, ReLU, Dense), a strided and padded convolution on
 * two input channels, average pooling right after the input with a 3x3 window (weights
 * {@code 1/9}, not a power of two), a convolution straight into pooling (a hidden layer without
 * ReLU) and a single Dense layer. Oracle: {@link FieldFixedPointInference} on the unshared model,
 * bit for bit, for every query of a bundle. The MUSE offset before the convolution's ReLU circuit,
 * and before the pooling's truncate-only circuit, shifts the logits as the reference with the
 * offset says when the check is off, and aborts the bundle with it on.
 */
class Tier2ConvTest {
  static final int F = 12;
  static final FixedPointFormat FMT = FixedPointFormat.of(40, F);

  static double[] w(Random r, int n, double scale) {
    return TinyModels.weights(r, n, scale);
  }

  /** Conv 3x3 (1 -> 2 maps) on 6x6, ReLU, AvgPool 2x2, Flatten, Dense 8-5, ReLU, Dense 5-3. */
  static Model cnn(boolean argmax) {
    Random r = new Random(21);
    List<Layer> layers = new ArrayList<>(List.of(
        new Conv2D(1, 2, 3, 1, 0, w(r, 18, 0.8), w(r, 2, 0.3)), new ReLU(),
        new AvgPool2D(2, 2), new Flatten(),
        new Dense(8, 5, w(r, 40, 0.9), w(r, 5, 0.5)), new ReLU(),
        new Dense(5, 3, w(r, 15, 0.9), w(r, 3, 0.5))));
    if (argmax) {
      layers.add(new Argmax());
    }
    return Model.of("t2-cnn", new Shape(1, 6, 6), layers, FMT, 2);
  }

  /** Conv 3x3, stride 2, padding 1 (2 -> 3 maps) on 5x5, ReLU, Flatten, Dense 27 -> 4. */
  static Model stridedPadded() {
    Random r = new Random(22);
    return Model.of("t2-strided", new Shape(2, 5, 5), List.of(
        new Conv2D(2, 3, 3, 2, 1, w(r, 54, 0.6), w(r, 3, 0.3)), new ReLU(), new Flatten(),
        new Dense(27, 4, w(r, 108, 0.5), w(r, 4, 0.5))), FMT, 2);
  }

  /** AvgPool 3x3 stride 1 on 1x5x5 (weights 1/9), Flatten, Dense 9 -> 4, ReLU, Dense 4 -> 2. */
  static Model poolFirst() {
    Random r = new Random(23);
    return Model.of("t2-pool-first", new Shape(1, 5, 5), List.of(
        new AvgPool2D(3, 1), new Flatten(),
        new Dense(9, 4, w(r, 36, 0.9), w(r, 4, 0.5)), new ReLU(),
        new Dense(4, 2, w(r, 8, 0.9), w(r, 2, 0.5))), FMT, 2);
  }

  /** Conv 2x2 (1 -> 2) on 5x5 straight into AvgPool 2x2, Flatten, ReLU, Dense 8 -> 3. */
  static Model convIntoPool() {
    Random r = new Random(24);
    return Model.of("t2-conv-pool", new Shape(1, 5, 5), List.of(
        new Conv2D(1, 2, 2, 1, 0, w(r, 8, 0.9), w(r, 2, 0.4)), new AvgPool2D(2, 2), new Flatten(),
        new ReLU(), new Dense(8, 3, w(r, 24, 0.9), w(r, 3, 0.5))), FMT, 2);
  }

  /** A single Dense 6 -> 3: the first layer is also the last. */
  static Model singleDense() {
    Random r = new Random(25);
    return Model.of("t2-dense", Shape.vector(6), List.of(
        new Dense(6, 3, w(r, 18, 0.9), w(r, 3, 0.5))), FMT, 2);
  }

  static Tier2Run bundleEqualsReference(Model m, int n) throws Exception {
    return Tier2Run.logitsBundleEqualsReference(m, F, n, 100);
  }

  @Test
  void cnnLogitsOfEveryQueryOfABundleEqualTheFieldReference() throws Exception {
    Tier2Run run = bundleEqualsReference(cnn(false), 3);
    // conv (ReLU circuit), avgpool (truncation only), dense (ReLU), dense (logits)
    LayerPlan plan = LayerPlan.of(run.reference, run.omlized.artifact().tensors());
    assertEquals(List.of("conv2d", "avgpool2d", "dense", "dense"),
        plan.layers().stream().map(LayerPlan.Linear::kind).toList());
    assertEquals(32, plan.get(0).rows());
    assertEquals(36, plan.get(0).cols());
    assertEquals(FieldLayerSpec.Kind.HIDDEN, plan.spec(0, OutputPolicy.LOGITS, F).kind());
    assertEquals(FieldLayerSpec.Kind.TRUNCATE, plan.spec(1, OutputPolicy.LOGITS, F).kind());
  }

  @Test
  void cnnLabelsOfEveryQueryOfABundleEqualTheFieldReference() throws Exception {
    Tier2Run run = new Tier2Run(cnn(true), F).offline(3, OutputPolicy.LABEL);
    for (int k = 0; k < 3; k++) {
      long[] x = run.input(200 + k);
      Tier2Run.Outcome o = run.query(x);
      assertNull(o.userError());
      assertEquals(FieldFixedPointInference.argmax(run.expectedLogits(x)), o.result().label(),
          "query " + k);
    }
  }

  @Test
  void stridedPaddedConvEqualsTheFieldReference() throws Exception {
    bundleEqualsReference(stridedPadded(), 2);
  }

  @Test
  void poolingRightAfterTheInputWithANonPowerOfTwoWindowEqualsTheFieldReference()
      throws Exception {
    bundleEqualsReference(poolFirst(), 2);
  }

  @Test
  void convStraightIntoPoolingTruncatesTwiceAsTheReferenceDoes() throws Exception {
    Tier2Run run = bundleEqualsReference(convIntoPool(), 2);
    LayerPlan plan = LayerPlan.of(run.reference, run.omlized.artifact().tensors());
    assertEquals(FieldLayerSpec.Kind.TRUNCATE, plan.spec(0, OutputPolicy.LOGITS, F).kind());
    assertEquals(FieldLayerSpec.Kind.HIDDEN, plan.spec(1, OutputPolicy.LOGITS, F).kind(),
        "the ReLU after Flatten belongs to the pooling's circuit");
  }

  @Test
  void aSingleDenseLayerEqualsTheFieldReference() throws Exception {
    bundleEqualsReference(singleDense(), 2);
  }

  static final long DELTA = 1000L << (2 * F);

  /** A MUSE offset on U's input to linear step {@code layer}'s circuit, output {@code neuron}. */
  static Tier2User.Deviation muse(int layer, int neuron) {
    return new Tier2User.Deviation() {
      @Override
      public long[] circuitInput(int query, int l, long[] zU) {
        if (query == 0 && l == layer) {
          zU[neuron] = PrimeField.add(zU[neuron], DELTA);
        }
        return zU;
      }
    };
  }

  /**
   * The CNN's bundle of two with {@code muse(layer, neuron)} in the first query: with the check
   * off the logits equal the reference with the offset; with it on the query aborts.
   */
  static void museWorksOffAndAbortsOn(int layer, int neuron) throws Exception {
    Tier2Run off = new Tier2Run(cnn(false), F);
    off.user.deviation = muse(layer, neuron);
    off.owner.verifierHook = CheckSwitch::off;
    off.offline(2, OutputPolicy.LOGITS);
    long[] x = off.input(7);
    Tier2Run.Outcome o = off.query(x);
    assertNull(o.userError());
    long[] shifted = off.shiftedLogits(x, layer, neuron, DELTA, 0);
    assertFalse(Arrays.equals(off.expectedLogits(x), shifted), "the offset matters");
    assertArrayEquals(shifted, o.result().logits(), "the attack works without the check");

    Tier2Run on = new Tier2Run(cnn(false), F);
    on.user.deviation = muse(layer, neuron);
    on.offline(2, OutputPolicy.LOGITS);
    Tier2Run.Outcome caught = on.query(on.input(7));
    assertInstanceOf(MacCheckFailedException.class, caught.userError());
    assertInstanceOf(MacCheckFailedException.class, caught.ownerError());
    assertNull(caught.result(), "no output");
    assertEquals(0, on.ownerBundle.released(), "the owner released nothing");
    assertEquals(0, on.ownerBundle.remaining(), "the bundle ends at its first failed check");
    assertThrows(BundleExhaustedException.class, () -> on.ownerBundle.serve(on.channels.first()));
  }

  @Test
  void museOffsetBeforeTheConvolutionsReluShiftsTheLogitsWithTheCheckOffAndAbortsWithItOn()
      throws Exception {
    museWorksOffAndAbortsOn(0, 5);
  }

  @Test
  void museOffsetBeforeThePoolingsTruncationCircuitShiftsTheLogitsWithTheCheckOffAndAbortsWithItOn()
      throws Exception {
    museWorksOffAndAbortsOn(1, 3);
  }

  @Test
  void squareAndMisplacedLayersAreRefusedWithATypedException() {
    Random r = new Random(26);
    List<Layer> reluFirst = List.of(new ReLU(), new Dense(4, 2, w(r, 8, 0.5), w(r, 2, 0.5)));
    List<Layer> reluLast = List.of(new Dense(4, 2, w(r, 8, 0.5), w(r, 2, 0.5)), new ReLU());
    for (List<Layer> ls : List.of(reluFirst, reluLast)) {
      var a = Tier2Run.omlize(Model.of("bad", Shape.vector(4), ls, FMT, 2), F).artifact();
      UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
          () -> new Tier2User(a, new OfflineHe(Tier2Run.INSECURE_FP, 40), Tier2Run.RNG));
      assertTrue(e.getMessage().contains("ReLU"), e.getMessage());
    }
    // Square has no field rule at all: the tier-2 OMLize refuses it, naming the layer
    FieldRangeException e = assertThrows(FieldRangeException.class,
        () -> Tier2Run.omlize(TinyModels.squareNet(FMT), F));
    assertTrue(e.getMessage().contains("square"), e.getMessage());
  }
}
