package dev.oml.mpc.tier2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.oml.core.model.Model;
import dev.oml.core.onnx.OnnxImporter;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FloatInference;
import dev.oml.mpc.inference.OutputPolicy;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Models imported from ONNX (the fixtures of oml-core's tests, which ONNX Runtime checks there)
 * run in the served two-party mode: every query of a bundle equals the field fixed-point reference
 * of the imported model bit for bit, on raw inputs put through the graph's own preprocessing.
 * The CNNs (average pooling with folded batch norm; max pooling) run in the default suite, the
 * MLP in the slow profile. The
 * square-activation fixture is not here: tier 2 refuses Square (docs/2pc-tier2.md).
 */
class Tier2OnnxTest {
  static final int F = 12;

  private static void bundleEqualsReference(String file, int queries) throws Exception {
    byte[] bytes;
    try (InputStream in = Tier2OnnxTest.class.getResourceAsStream("/onnx/" + file)) {
      bytes = in.readAllBytes(); // from oml-core's test jar
    }
    OnnxImporter.Imported imp = OnnxImporter.read(bytes, file, false);
    Model m = imp.model();
    Tier2Run run = new Tier2Run(m, F).offline(queries, OutputPolicy.LOGITS);
    FieldFixedPointInference ref = new FieldFixedPointInference(run.reference);
    FloatInference fl = new FloatInference(m);
    Random r = new Random(file.hashCode());
    for (int q = 0; q < queries; q++) {
      double[] raw = new double[m.inputShape().size()];
      for (int i = 0; i < raw.length; i++) {
        // pixel values, as the model's users hold them, where the graph scales them itself;
        // values in [-1, 1) for a graph without preprocessing
        raw[i] = imp.preprocessing().isIdentity() ? 2 * r.nextDouble() - 1 : r.nextInt(256);
      }
      double[] x = imp.preprocessing().apply(m.inputShape(), raw);
      long[] encoded = run.user.encodeInput(x);
      Tier2Run.Outcome o = run.query(encoded);
      assertNull(o.userError(), () -> file + ": " + o.userError());
      assertNull(o.ownerError());
      assertArrayEquals(run.expectedLogits(encoded), o.result().logits(), file + " query " + q);
      // and the fixed-point answer is the float model's, up to its rounding
      double[] decoded = ref.logits(x);
      double[] expected = fl.logits(x);
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], decoded[i], 0.01, file + " logit " + i);
      }
    }
    assertEquals(queries, run.ownerBundle.released());
  }

  /** About 30 s on two cores (the 64-wide first layer's offline phase): slow profile. */
  @Test
  @Tag("slow")
  void importedMlpRunsExactly() throws Exception {
    bundleEqualsReference("mlp.onnx", 3);
  }

  @Test
  void importedCnnWithFoldedBatchNormRunsExactly() throws Exception {
    bundleEqualsReference("cnn_bn.onnx", 2);
  }

  @Test
  void importedCnnWithMaxPoolRunsExactly() throws Exception {
    bundleEqualsReference("cnn_maxpool.onnx", 1);
  }
}
