package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.AvgPool2D;
import dev.oml.core.model.Conv2D;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.InputBox;
import dev.oml.core.model.Layer;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Model;
import dev.oml.core.model.Polynomial;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackends;
import dev.oml.he.NoiseBudgetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The planner: 128-bit parameters for the HE network (N = 16384, within the HE Standard bound,
 * 8 images per ciphertext), typed refusals for ReLU, for models that do not end with a linear
 * layer, for models too deep for 128-bit parameters, and for a kappa whose flooding would eat the
 * answer's precision; and the lowering of polynomial activations, convolution and average
 * pooling, checked against the float model at an INSECURE small ring.
 */
class HeCompiledModelTest {
  private static final HeFixture FX = Shared.FX;

  private static HePlanOptions secure(int kappa) {
    return HePlanOptions.builder().kappa(kappa).answerPrecisionBits(4)
        .calibration(HeFixture.images(Shared.DATA, 0, 100)).build();
  }

  @Test
  void theHeNetworkGets128BitParametersAtN16384() {
    HeCompiledModel m = HeCompiledModel.compile(Shared.MODEL, FX.modelId, HeBackends.pureJava(),
        secure(6));
    HeInferencePlan p = m.plan();
    assertEquals(16384, p.parameters().polyModulusDegree());
    assertFalse(p.parameters().isInsecure());
    assertFalse(p.parameters().name().contains("INSECURE"));
    assertTrue(p.parameters().totalModulusBits() <= 438, "" + p.parameters().totalModulusBits());
    assertEquals(8, p.imagesPerCiphertext());
    assertEquals(6, p.kappa());
    assertTrue(p.floodBits() > 6);
    assertTrue(p.estimatedError() <= 1.0 / 16);
  }

  @Test
  void thePlanCarriesTheBoxAndTheBoundSizesTheFloodWithTheEstimateBeside() {
    HeInferencePlan p = Shared.COMPILED.plan();
    assertEquals(InputBox.uniform(784, 0.0, 1.0), p.inputBox(), "the shipped model declares it");
    HeInferencePlan back = HeInferencePlan.decode(p.encode());
    assertEquals(p.inputBox(), back.inputBox());
    assertEquals(p.evaluationEstimate(), back.evaluationEstimate());
    assertTrue(p.evaluationEstimate() > 0, "calibration inputs give an estimate");
    // The bound is a worst case over the box: far above the calibration estimate.
    assertTrue(p.estimatedError() > 1000 * p.evaluationEstimate(), p.toString());
    // A per-feature box set by the owner travels as such.
    double[] lo = new double[784];
    double[] hi = new double[784];
    java.util.Arrays.fill(hi, 0.5);
    hi[3] = 1.0;
    HeCompiledModel m = HeCompiledModel.compile(Shared.MODEL, FX.modelId, HeBackends.pureJava(),
        HePlanOptions.builder().kappa(6).answerPrecisionBits(4).insecureRingForTesting(4096)
            .inputBox(InputBox.of(lo, hi)).build());
    assertEquals(InputBox.of(lo, hi), HeInferencePlan.decode(m.plan().encode()).inputBox());
    assertEquals(0.0, m.plan().evaluationEstimate(), "no calibration, no estimate");
    assertTrue(m.plan().estimatedError() <= p.estimatedError(), "a smaller box, a smaller bound");
  }

  @Test
  void aModelWithoutABoxNeedsOneFromTheOwnerOrItsCalibration() {
    Model noBox = Model.of("no-box", Shape.vector(4),
        List.of(new Dense(4, 2, new double[8], new double[2])), FixedPointFormat.of(40, 12), 4);
    UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () ->
        HeCompiledModel.compile(noBox, FX.modelId, HeBackends.pureJava(), HePlanOptions.builder()
            .kappa(6).insecureRingForTesting(1024).build()));
    assertTrue(e.getMessage().contains("declares no input box"), e.getMessage());
    HeCompiledModel fromCalibration = HeCompiledModel.compile(noBox, FX.modelId,
        HeBackends.pureJava(), HePlanOptions.builder().kappa(6).insecureRingForTesting(1024)
            .calibration(new double[][] {{0, 0.5, -2, 1}, {3, 0, 0, 0}}).build());
    assertEquals(InputBox.uniform(4, -2, 3), fromCalibration.plan().inputBox());
  }

  @Test
  void aKappaThatEatsThePrecisionIsRefusedWithTheLargestThatFits() {
    NoiseBudgetException e = assertThrows(NoiseBudgetException.class, () ->
        HeCompiledModel.compile(Shared.MODEL, FX.modelId, HeBackends.pureJava(), secure(40)));
    assertTrue(e.getMessage().contains("largest kappa that fits"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> HePlanOptions.builder().build(),
        "kappa has no default");
  }

  @Test
  void reluIsRefusedByName() {
    UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () ->
        HeCompiledModel.compile(HeFixture.model("network-a.omlm"), FX.modelId,
            HeBackends.pureJava(), secure(6)));
    assertTrue(e.getMessage().contains("layer 1 (relu)"), e.getMessage());
  }

  @Test
  void maxPoolIsRefusedByName() {
    Random r = new Random(8);
    Model m = Model.of("mp", new Shape(1, 4, 4), List.of(
        new Conv2D(1, 2, 3, 1, 1, random(r, 18, 0.3), random(r, 2, 0.1)), new Square(),
        new MaxPool2D(2, 2), new Flatten(), new Dense(8, 2, random(r, 16, 0.3), random(r, 2, 0.1))),
        FixedPointFormat.of(48, 12), 6).withInputBox(InputBox.uniform(16, 0, 1));
    UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () ->
        HeCompiledModel.compile(m, FX.modelId, HeBackends.pureJava(), HePlanOptions.builder()
            .kappa(6).insecureRingForTesting(1024).build()));
    assertTrue(e.getMessage().contains("layer 2 (maxpool2d)")
        && e.getMessage().contains("use the two-party mode for maxpool2d"), e.getMessage());
  }

  @Test
  void tooDeepAndNotEndingLinearAreRefused() {
    List<Layer> deep = new ArrayList<>();
    deep.add(new Dense(4, 4, new double[16], new double[4]));
    for (int i = 0; i < 12; i++) {
      deep.add(new Square());
    }
    deep.add(new Dense(4, 2, new double[8], new double[2]));
    Model tooDeep = Model.of("deep", Shape.vector(4), deep, FixedPointFormat.of(48, 12), 8);
    UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () ->
        HeCompiledModel.compile(tooDeep, FX.modelId, HeBackends.pureJava(), secure(6)));
    assertTrue(e.getMessage().contains("levels"), e.getMessage());
    Model endsSquare = Model.of("sq", Shape.vector(4),
        List.of(new Dense(4, 4, new double[16], new double[4]), new Square()),
        FixedPointFormat.of(48, 12), 8);
    assertThrows(UnsupportedModelException.class, () ->
        HeCompiledModel.compile(endsSquare, FX.modelId, HeBackends.pureJava(), secure(6)));
  }

  private static double[] random(Random r, int n, double s) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = s * (2 * r.nextDouble() - 1);
    }
    return v;
  }

  /** Runs {@code model} through the protocol at an INSECURE N = 1024 ring against the float model. */
  private static void agreesWithFloat(Model model, double[][] inputs) {
    agreesWithFloat(model, inputs, false);
  }

  private static void agreesWithFloat(Model model, double[][] inputs, boolean hoisted) {
    HeFixture fx = new HeFixture(1000);
    HeCompiledModel m = HeCompiledModel.compile(model, fx.modelId, HeBackends.pureJava(),
        HePlanOptions.builder().kappa(2).answerPrecisionBits(4).insecureRingForTesting(1024)
            .hoistedRotations(hoisted).calibration(inputs).build());
    HeUserSession u = HeUserSession.openInsecureForTesting(HeBackends.pureJava(), m.plan().encode());
    HeOwnerSession o = new HeOwnerSession(m, fx.gate);
    o.acceptKeys(u.sessionKeys());
    HeQuery q = u.encrypt(inputs);
    HeResult r = u.decrypt(q, o.answer(PermittedQuery.create(fx.licensee, fx.permit(q),
        q.payload()).encode()));
    FloatInference fi = new FloatInference(model);
    for (int i = 0; i < inputs.length; i++) {
      double[] want = fi.logits(inputs[i]);
      for (int j = 0; j < want.length; j++) {
        assertEquals(want[j], r.logits(i)[j], m.plan().estimatedError(), "input " + i + ", " + j);
      }
    }
  }

  @Test
  void denseLayersOfEveryShapeMatchTheFloatModel() {
    // Wider than tall, taller than wide, non-powers of two, a single output, two hidden layers
    // whose periods differ: the hybrid and square diagonal methods and their rotate-and-sums;
    // the last one with hoisted baby steps.
    Random r = new Random(11);
    int[][] shapes = {{3, 5}, {20, 7}, {7, 20}, {64, 1}, {33, 17, 9}};
    for (int[] sh : shapes) {
      List<Layer> layers = new ArrayList<>();
      for (int k = 0; k + 1 < sh.length; k++) {
        layers.add(new Dense(sh[k], sh[k + 1], random(r, sh[k] * sh[k + 1], 0.5),
            random(r, sh[k + 1], 0.2)));
        if (k + 2 < sh.length) {
          layers.add(new Square());
        }
      }
      Model m = Model.of("dense-" + java.util.Arrays.toString(sh), Shape.vector(sh[0]), layers,
          FixedPointFormat.of(48, 12), 8);
      agreesWithFloat(m, new double[][] {random(r, sh[0], 1), random(r, sh[0], 1)},
          sh.length > 2);
    }
  }

  @Test
  void polynomialActivationsMatchTheFloatModel() {
    Random r = new Random(3);
    Model m = Model.of("poly", Shape.vector(6), List.of(
        new Dense(6, 5, random(r, 30, 0.5), random(r, 5, 0.2)),
        new Polynomial(new double[] {0.1, 0.5, 0.25, -0.05}),
        new Dense(5, 3, random(r, 15, 0.5), random(r, 3, 0.2)), new Argmax()),
        FixedPointFormat.of(48, 12), 8);
    agreesWithFloat(m, new double[][] {random(r, 6, 1), random(r, 6, 1), random(r, 6, 1)});
  }

  @Test
  void convolutionAndAveragePoolingMatchTheFloatModel() {
    Random r = new Random(5);
    Model m = Model.of("cnn", new Shape(1, 6, 6), List.of(
        new Conv2D(1, 2, 3, 1, 0, random(r, 18, 0.5), random(r, 2, 0.1)), new Square(),
        new AvgPool2D(2, 2), new Flatten(), new Dense(8, 3, random(r, 24, 0.5), random(r, 3, 0.1))),
        FixedPointFormat.of(48, 12), 8);
    agreesWithFloat(m, new double[][] {random(r, 36, 1), random(r, 36, 1)});
  }
}
