package dev.oml.bench.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.bench.eval.Evaluator;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MlpTrainerTest {
  static Path subset() {
    Path p = Path.of("").toAbsolutePath();
    while (!p.resolve("data").toFile().isDirectory()) {
      p = p.getParent();
    }
    return p.resolve("data/fashion-mnist-subset");
  }

  private static MlpTrainer.Config config(long seed, MlpTrainer.Activation act) {
    return new MlpTrainer.Config("t", new int[] {784, 32, 10}, act, 3, 50, 2e-3, 5.0, seed, 12);
  }

  @Test
  void sameSeedGivesTheSameModelBitForBitAndItLearns() {
    Dataset d = FashionMnist.test(subset());
    Model a = new MlpTrainer(config(1, MlpTrainer.Activation.RELU)).train(d, e -> { });
    Model b = new MlpTrainer(config(1, MlpTrainer.Activation.RELU)).train(d, e -> { });
    Model c = new MlpTrainer(config(2, MlpTrainer.Activation.RELU)).train(d, e -> { });
    assertArrayEquals(ModelFiles.toBytes(a), ModelFiles.toBytes(b));
    assertFalse(Arrays.equals(ModelFiles.toBytes(a), ModelFiles.toBytes(c)));
    Evaluator.Utility u = Evaluator.evaluate(a, d, n -> { });
    // Chance is 0.1; three epochs on 1,000 images fit them well above it.
    assertTrue(u.floatAccuracy() > 0.7, "training accuracy " + u.floatAccuracy());
    assertTrue(u.agreement() > 0.98, "fixed/float agreement " + u.agreement());
  }

  @Test
  void squareActivationsTrainWithoutDiverging() {
    Dataset d = FashionMnist.test(subset());
    Model m = new MlpTrainer(config(3, MlpTrainer.Activation.SQUARE)).train(d, e -> { });
    Evaluator.Utility u = Evaluator.evaluate(m, d, n -> { });
    assertTrue(u.floatAccuracy() > 0.6, "training accuracy " + u.floatAccuracy());
    assertTrue(m.format().ringBits() <= 60, m.format().toString());
  }
}
