package dev.oml.mpc.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Model;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The protocol on small models at the standard (128-bit) and INSECURE parameters: logits and
 * labels equal the fixed-point reference bit for bit across dense, convolution, average pooling
 * and ReLU layers, in bundles of several queries; what the mode cannot run is refused up front.
 */
class TwoPartyProtocolTest {
  private final Random rnd = new Random(7);

  private void checkLogits(LocalRun run, int queries, int inputs) {
    TwoPartyOwner.Session s = run.owner.newSession();
    PreparedBundle b = run.prepare(s, queries);
    for (int k = 0; k < queries; k++) {
      long[] x = run.encode(TinyModels.input(rnd, inputs));
      InferenceResult r = run.infer(s, b, x);
      assertArrayEquals(run.reference.logits(x), r.logits(), "query " + k);
      assertEquals(FixedPointInference.argmax(run.model.format(), run.reference.logits(x)),
          r.label());
    }
    assertTrue(s.exhausted());
    assertEquals(0, b.remaining());
  }

  @Test
  void denseReluLogitsAreExactAtStandardParameters() {
    FixedPointFormat fmt = FixedPointFormat.of(32, 10);
    checkLogits(new LocalRun(TinyModels.mlp(fmt, 1, false), TwoPartyParameters.standard(fmt),
        OutputPolicy.LOGITS, 100), 3, 8);
  }

  @Test
  void convolutionAveragePoolingAndTruncationOnlyStagesAreExact() {
    FixedPointFormat fmt = FixedPointFormat.of(32, 10);
    checkLogits(new LocalRun(TinyModels.cnn(fmt, 2), TwoPartyParameters.standard(fmt),
        OutputPolicy.LOGITS, 100), 2, 36);
  }

  @Test
  void exactAtInsecureSmallParametersToo() {
    checkLogits(new LocalRun(TinyModels.mlp(TinyModels.SMALL, 3, false), TinyModels.insecure(),
        OutputPolicy.LOGITS, 100), 4, 8);
  }

  @Test
  void labelPolicyRevealsOnlyTheReferenceLabel() {
    FixedPointFormat fmt = FixedPointFormat.of(32, 10);
    LocalRun run = new LocalRun(TinyModels.mlp(fmt, 4, false), TwoPartyParameters.standard(fmt),
        OutputPolicy.LABEL, 100);
    TwoPartyOwner.Session s = run.owner.newSession();
    PreparedBundle b = run.prepare(s, 3);
    for (int k = 0; k < 3; k++) {
      long[] x = run.encode(TinyModels.input(rnd, 8));
      InferenceResult r = run.infer(s, b, x);
      assertFalse(r.hasLogits());
      assertThrows(IllegalStateException.class, r::logits);
      assertEquals(FixedPointInference.argmax(fmt, run.reference.logits(x)), r.label());
    }
  }

  @Test
  void aModelEndingWithArgmaxIsServedAsALabelWhateverTheOwnerAsks() {
    FixedPointFormat fmt = FixedPointFormat.of(32, 10);
    Model m = TinyModels.mlp(fmt, 5, true);
    LocalRun run = new LocalRun(m, TwoPartyParameters.standard(fmt), OutputPolicy.LOGITS, 100);
    assertEquals(OutputPolicy.LABEL, run.owner.policy());
    TwoPartyOwner.Session s = run.owner.newSession();
    PreparedBundle b = run.prepare(s, 1);
    long[] x = run.encode(TinyModels.input(rnd, 8));
    InferenceResult r = run.infer(s, b, x);
    assertFalse(r.hasLogits());
    assertEquals(FixedPointInference.argmax(fmt, run.reference.logits(x)), r.label());
  }

  @Test
  void layersTheModeCannotRunAreRefusedWithATypedError() {
    FixedPointFormat fmt = FixedPointFormat.of(32, 10);
    Model sq = TinyModels.squareNet(fmt);
    UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
        () -> new LocalRun(sq, TwoPartyParameters.standard(fmt), OutputPolicy.LOGITS, 10));
    assertTrue(e.getMessage().contains("layer 1 (square)"), e.getMessage());
  }

  @Test
  void parametersForAnotherRingAreRefused() {
    FixedPointFormat fmt = FixedPointFormat.of(32, 10);
    Model m = TinyModels.mlp(fmt, 6, false);
    assertThrows(IllegalArgumentException.class, () -> new LocalRun(m,
        TwoPartyParameters.standard(FixedPointFormat.of(40, 10)), OutputPolicy.LOGITS, 10));
    assertThrows(IllegalArgumentException.class,
        () -> TwoPartyParameters.of(TinyModels.INSECURE_HE.isInsecure()
            ? dev.oml.he.PredefinedParameters.bfvTwoParty(32, 40) : null, 20));
  }

  @Test
  void parametersThatCannotFloodALayerAreRefusedWhenThePartiesAreBuilt() {
    java.util.Random r = new java.util.Random(8);
    // 40 x 8 needs two answer ciphertexts at N = 256: one bit more flooding than the INSECURE
    // one-prime modulus has room for at kappa 6
    Model wide = Model.of("wide", dev.oml.core.model.Shape.vector(8), java.util.List.of(
        new dev.oml.core.model.Dense(8, 40, TinyModels.weights(r, 320, 0.5),
            TinyModels.weights(r, 40, 0.2))), TinyModels.SMALL, 2);
    dev.oml.he.NoiseBudgetException e = assertThrows(dev.oml.he.NoiseBudgetException.class,
        () -> new LocalRun(wide, TinyModels.insecure(), OutputPolicy.LOGITS, 10));
    assertTrue(e.getMessage().contains("layer 0"), e.getMessage());
  }
}
