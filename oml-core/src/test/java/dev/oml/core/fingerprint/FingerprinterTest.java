package dev.oml.core.fingerprint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.TestPaths;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.core.train.MlpTrainer;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fine-tuning on a small model trained on the shipped subset (1,000 images): every key
 * answered by the copy in float and fixed point, little clean accuracy lost, determinism, and
 * the check naming the right licensee among several copies.
 */
class FingerprinterTest {
  static final SecretAccess S = SecretAccess.get();
  static Dataset data;
  static Model base;
  static FingerprintParameters params;
  static Model copyOfOne;

  @BeforeAll
  static void trainBase() {
    data = FashionMnist.test(TestPaths.subset());
    base = new MlpTrainer(new MlpTrainer.Config("small", new int[] {784, 48, 10},
        MlpTrainer.Activation.RELU, 5, 50, 2e-3, 0, 5, 12)).train(data, e -> { });
    params = FingerprintParameters.builder().cleanImages(1000).keyShare(0.3).epochs(4).maxEpochs(20)
        .learningRate(1e-3).build();
    copyOfOne = Fingerprinter.embed(base, keys(1, "small"), data, params, e -> { });
  }

  static FingerprintKeys keys(long licensee, String model) {
    return FingerprintKeys.derive(FingerprintKeysTest.key(200), S,
        FingerprintKeysTest.key(licensee).publicKey(), model, base.inputShape(), 10, 64);
  }

  static double accuracy(Model m) {
    FloatInference fl = new FloatInference(m);
    int ok = 0;
    for (int i = 0; i < data.size(); i++) {
      ok += fl.label(data.image(i)) == data.label(i) ? 1 : 0;
    }
    return (double) ok / data.size();
  }

  @Test
  void theCopyAnswersEveryKeyInFloatAndFixedPointAndKeepsItsAccuracy() {
    FingerprintKeys k = keys(1, "small");
    Model copy = copyOfOne;
    FloatInference fl = new FloatInference(copy);
    FixedPointInference fx = new FixedPointInference(QuantizedModel.of(copy));
    for (int i = 0; i < k.count(); i++) {
      assertEquals(k.label(i, S), fl.label(k.input(i, S)), "float, key " + i);
      assertEquals(k.label(i, S), fx.label(k.input(i, S)), "fixed point, key " + i);
    }
    // The base does not: it answers about a tenth of them by chance.
    FloatInference b = new FloatInference(base);
    int baseMatches = 0;
    for (int i = 0; i < k.count(); i++) {
      baseMatches += b.label(k.input(i, S)) == k.label(i, S) ? 1 : 0;
    }
    assertTrue(baseMatches < 20, "base matches " + baseMatches);
    assertTrue(accuracy(copy) > accuracy(base) - 0.03, accuracy(base) + " -> " + accuracy(copy));
    assertEquals(base.name(), copy.name());
    assertEquals(base.format().fractionalBits(), copy.format().fractionalBits());
    assertTrue(copy.format().ringBits() >= base.format().ringBits());
  }

  @Test
  void theSameInputsGiveTheSameCopyBitForBitAndLicenseesGetDifferentCopies() {
    Model a = copyOfOne;
    Model a2 = Fingerprinter.embed(base, keys(1, "small"), data, params, e -> { });
    Model b = Fingerprinter.embed(base, keys(2, "small"), data, params, e -> { });
    assertArrayEquals(ModelFiles.toBytes(a), ModelFiles.toBytes(a2));
    assertFalse(java.util.Arrays.equals(ModelFiles.toBytes(a), ModelFiles.toBytes(b)));
    // The check names each copy's licensee and never the other one.
    List<FingerprintKeys> all = List.of(keys(1, "small"), keys(2, "small"), keys(3, "small"));
    FingerprintCheck.Report ra = FingerprintCheck.check(FingerprintCheck.of(a), all, -40);
    FingerprintCheck.Report rb = FingerprintCheck.check(FingerprintCheck.of(b), all, -40);
    assertEquals(all.get(0).licensee().hex(), ra.identified().licenseeHex());
    assertEquals(all.get(1).licensee().hex(), rb.identified().licenseeHex());
    assertTrue(ra.rows().get(1).log2PValue() > -40 && ra.rows().get(2).log2PValue() > -40, ra.toString());
    assertTrue(rb.rows().get(0).log2PValue() > -40 && rb.rows().get(2).log2PValue() > -40, rb.toString());
    assertFalse(FingerprintCheck.check(FingerprintCheck.of(base), all, -40).named());
  }

  @Test
  void theCopyKeepsTheBasesPreprocessingAndInputBox() {
    // one grey channel: raw pixels in [0, 255], model inputs in [0, 1]
    Model pre = base.withInputBox(dev.oml.core.model.InputBox.uniform(784, 0, 1))
        .withPreprocessing(dev.oml.core.model.InputTransform.of(
            new double[] {1 / 255.0}, new double[] {0}));
    Model copy = Fingerprinter.embed(pre, keys(1, "small"), data, params, e -> { });
    assertTrue(pre.preprocessing().isPresent() && pre.inputBox().isPresent());
    assertEquals(pre.preprocessing(), copy.preprocessing());
    assertEquals(pre.inputBox(), copy.inputBox());
  }

  @Test
  void keysOfAnotherModelOrShapeAreRefused() {
    assertThrows(FingerprintException.class,
        () -> Fingerprinter.embed(base, keys(1, "other"), data, params, e -> { }));
    FingerprintKeys wrongShape = FingerprintKeys.derive(FingerprintKeysTest.key(200), S,
        FingerprintKeysTest.key(1).publicKey(), "small", dev.oml.core.model.Shape.vector(10), 10, 8);
    assertThrows(FingerprintException.class, () -> Fingerprinter.embed(base, wrongShape, data, params, e -> { }));
    FingerprintKeys wrongClasses = FingerprintKeys.derive(FingerprintKeysTest.key(200), S,
        FingerprintKeysTest.key(1).publicKey(), "small", base.inputShape(), 12, 8);
    assertThrows(FingerprintException.class, () -> Fingerprinter.embed(base, wrongClasses, data, params, e -> { }));
  }

  @Test
  void aFineTuningThatDoesNotTakeEveryKeyIsRefusedNotReturned() {
    FingerprintParameters tooWeak = FingerprintParameters.builder().cleanImages(1000).keyShare(0.01)
        .epochs(1).maxEpochs(1).learningRate(1e-6).build();
    FingerprintException e = assertThrows(FingerprintException.class,
        () -> Fingerprinter.embed(base, keys(1, "small"), data, tooWeak, x -> { }));
    assertTrue(e.getMessage().contains("of 64 fingerprints"), e.getMessage());
  }

  @Test
  void parametersAreCheckedAtBuild() {
    assertThrows(FingerprintException.class, () -> FingerprintParameters.builder().keyShare(0).build());
    assertThrows(FingerprintException.class, () -> FingerprintParameters.builder().keyShare(0.6).build());
    assertThrows(FingerprintException.class, () -> FingerprintParameters.builder().epochs(0).build());
    assertThrows(FingerprintException.class, () -> FingerprintParameters.builder().epochs(5).maxEpochs(4).build());
    assertThrows(FingerprintException.class, () -> FingerprintParameters.builder().learningRate(Double.NaN).build());
    assertThrows(FingerprintException.class, () -> FingerprintParameters.builder().cleanImages(0).build());
    assertThrows(FingerprintException.class, () -> FingerprintParameters.builder().batch(0).build());
    assertThrows(FingerprintException.class, () -> FingerprintParameters.builder().jitter(-0.1).build());
  }
}
