package dev.oml.core.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.TestPaths;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.fixedpoint.FixedPointOverflowException;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.testkit.TestModels;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Fixed point against float64 on the shipped models and subset, and on every layer kind. */
class ReferenceAgreementTest {

  @ParameterizedTest
  @ValueSource(strings = {"network-a", "he-network"})
  void fixedPointAgreesWithFloatOnTheShippedSubset(String name) {
    Model m = ModelFiles.load(TestPaths.model(name));
    Dataset d = FashionMnist.test(TestPaths.subset());
    FloatInference fl = new FloatInference(m);
    FixedPointInference fx = new FixedPointInference(QuantizedModel.of(m));
    int agree = 0;
    int correct = 0;
    for (int i = 0; i < d.size(); i++) {
      double[] x = d.image(i);
      int label = fl.label(x);
      if (label == fx.label(x)) {
        agree++;
      }
      if (label == d.label(i)) {
        correct++;
      }
    }
    assertTrue(agree >= 995, name + ": fixed and float agree on only " + agree + "/1000");
    assertTrue(correct >= 800, name + ": float accuracy on the subset is only " + correct + "/1000");
  }

  @Test
  void fixedPointTracksFloatOnEveryLayerKind() {
    Model m = TestModels.everyLayer(5);
    FloatInference fl = new FloatInference(m);
    FixedPointInference fx = new FixedPointInference(QuantizedModel.of(m));
    Random r = new Random(1);
    for (int t = 0; t < 50; t++) {
      double[] x = new double[m.inputShape().size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = r.nextDouble();
      }
      double[] a = fl.logits(x);
      double[] b = fx.logits(x);
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i], b[i], 0.02, "logit " + i);
      }
    }
  }

  @Test
  void referenceRaisesOnOverflowInsteadOfWrapping() {
    Model m = TestModels.mlp(2, 8, 4, 2).withFormat(FixedPointFormat.of(60, 12));
    FixedPointInference fx = new FixedPointInference(QuantizedModel.of(m));
    double[] x = new double[8];
    java.util.Arrays.fill(x, Math.scalb(1.0, 40));
    FixedPointOverflowException e = assertThrows(FixedPointOverflowException.class, () -> fx.logits(x));
    assertTrue(e.getMessage().startsWith("layer 0 (dense) overflows"), e.getMessage());
  }

  @Test
  void quantizedParametersAreTheRoundedOnes() {
    Model m = TestModels.mlp(3, 5, 3, 2);
    QuantizedModel q = QuantizedModel.of(m);
    FixedPointFormat f = m.format();
    var dense = (dev.oml.core.model.Dense) m.layers().get(0);
    long[] a = q.matrix(0);
    long[] b = q.bias(0);
    for (int i = 0; i < a.length; i++) {
      assertEquals(Math.round(dense.weights()[i] * 4096), f.signed(a[i]));
    }
    for (int i = 0; i < b.length; i++) {
      assertEquals(Math.round(dense.bias()[i] * 4096.0 * 4096.0), f.signed(b[i]));
    }
    assertThrows(IllegalArgumentException.class, () -> q.matrix(1));
  }
}
