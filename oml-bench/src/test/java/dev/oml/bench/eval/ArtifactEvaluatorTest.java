package dev.oml.bench.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;
import java.nio.file.Path;
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
}
