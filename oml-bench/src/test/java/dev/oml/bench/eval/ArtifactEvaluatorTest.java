package dev.oml.bench.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Conv2D;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ring-arithmetic evaluator agrees bit for bit with the fixed-point reference wherever the
 * reference does not overflow, on both shipped models; so its chance-level figure on shares
 * measures the shares, not a broken evaluator.
 */
class ArtifactEvaluatorTest {
  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (!p.resolve("models").toFile().isDirectory()) {
      p = p.getParent();
    }
    return p;
  }

  @Test
  void ringEvaluationMatchesTheReferenceOnTheRealModels() {
    Dataset data = FashionMnist.test(root().resolve("data/fashion-mnist-subset")).limit(50);
    for (String name : new String[] {"network-a", "he-network"}) {
      Model m = ModelFiles.load(root().resolve("models/" + name + ".omlm"));
      QuantizedModel q = QuantizedModel.of(m);
      FixedPointInference ref = new FixedPointInference(q);
      for (int i = 0; i < data.size(); i++) {
        long[] x = ref.encodeInput(data.image(i));
        assertArrayEquals(ref.logits(x), ArtifactEvaluator.ringLogits(q, x), name + " image " + i);
      }
    }
  }

  @Test
  void ringEvaluationMatchesTheReferenceOnAMaxPoolCnn() {
    java.util.Random r = new java.util.Random(5);
    Model m = Model.of("mp", new Shape(1, 6, 6), List.of(
        new Conv2D(1, 2, 3, 1, 1, gaussian(r, 18), gaussian(r, 2)), new MaxPool2D(3, 2),
        new ReLU(), new Flatten(), new Dense(8, 3, gaussian(r, 24), gaussian(r, 3))),
        FixedPointFormat.of(40, 12), 4);
    QuantizedModel q = QuantizedModel.of(m);
    FixedPointInference ref = new FixedPointInference(q);
    for (int i = 0; i < 20; i++) {
      long[] x = ref.encodeInput(gaussian(r, 36));
      assertArrayEquals(ref.logits(x), ArtifactEvaluator.ringLogits(q, x), "input " + i);
    }
  }

  private static double[] gaussian(java.util.Random r, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = 0.5 * r.nextGaussian();
    }
    return v;
  }
}
