package dev.oml.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.reference.QuantizedModel;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MlpTrainerTest {
  static Path subset() {
    return dev.oml.core.TestPaths.subset();
  }

  /** Float accuracy on {@code d}, and the fraction of images where fixed point agrees with float. */
  static double[] accuracyAndAgreement(Model m, Dataset d) {
    FloatInference fl = new FloatInference(m);
    FixedPointInference fx = new FixedPointInference(QuantizedModel.of(m));
    int ok = 0;
    int agree = 0;
    for (int i = 0; i < d.size(); i++) {
      int f = fl.label(d.image(i));
      ok += f == d.label(i) ? 1 : 0;
      agree += fx.label(d.image(i)) == f ? 1 : 0;
    }
    return new double[] {(double) ok / d.size(), (double) agree / d.size()};
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
    double[] u = accuracyAndAgreement(a, d);
    // Chance is 0.1; three epochs on 1,000 images fit them well above it.
    assertTrue(u[0] > 0.7, "training accuracy " + u[0]);
    assertTrue(u[1] > 0.98, "fixed/float agreement " + u[1]);
  }

  @Test
  void squareActivationsTrainWithoutDiverging() {
    Dataset d = FashionMnist.test(subset());
    Model m = new MlpTrainer(config(3, MlpTrainer.Activation.SQUARE)).train(d, e -> { });
    double[] u = accuracyAndAgreement(m, d);
    assertTrue(u[0] > 0.6, "training accuracy " + u[0]);
    assertTrue(m.format().ringBits() <= 60, m.format().toString());
  }

  @Test
  void continuingFromAModelStartsFromItsWeights() {
    Dataset d = FashionMnist.test(subset());
    Model base = new MlpTrainer(config(4, MlpTrainer.Activation.RELU)).train(d, e -> { });
    // A learning rate too small to move the weights measurably: the continued model must then
    // still classify as the base does, which a random initialisation (chance, 0.1) cannot.
    MlpTrainer.Config still = MlpTrainer.configFor(base, 1, 50, 1e-9, 0, 9);
    Model cont = new MlpTrainer(still, base).train(d, e -> { });
    FloatInference a = new FloatInference(base);
    FloatInference b = new FloatInference(cont);
    int same = 0;
    for (int i = 0; i < d.size(); i++) {
      same += a.label(d.image(i)) == b.label(d.image(i)) ? 1 : 0;
    }
    assertTrue(same > 0.99 * d.size(), "labels kept: " + same);
    // One more real epoch at a normal rate keeps what was learnt.
    Model more = new MlpTrainer(MlpTrainer.configFor(base, 1, 50, 1e-3, 0, 9), base).train(d, e -> { });
    assertTrue(accuracyAndAgreement(more, d)[0] > 0.7);
  }

  @Test
  void continuingRefusesAModelOfAnotherShape() {
    Dataset d = FashionMnist.test(subset());
    Model base = new MlpTrainer(config(4, MlpTrainer.Activation.RELU)).train(d.limit(100), e -> { });
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new MlpTrainer(config(4, MlpTrainer.Activation.SQUARE), base));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new MlpTrainer(new MlpTrainer.Config("t", new int[] {784, 16, 10},
            MlpTrainer.Activation.RELU, 1, 50, 1e-3, 0, 1, 12), base));
  }
}
