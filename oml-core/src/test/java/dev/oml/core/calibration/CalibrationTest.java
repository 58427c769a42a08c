package dev.oml.core.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.TestPaths;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.DatasetException;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Dense;
import dev.oml.core.model.FormatChoice;
import dev.oml.core.model.InputTransform;
import dev.oml.core.model.Layer;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.reference.QuantizedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calibration against independent oracles: activation peaks recomputed from prefix models or by
 * hand, agreement recomputed with the references, refusals on models built to break each limit.
 * Runs on the first 300 images of the shipped subset.
 */
class CalibrationTest {
  private static final int N = 300;
  private static Dataset data;
  private static final Shape IMAGE = new Shape(1, 28, 28);

  @BeforeAll
  static void load() {
    data = Calibration.readData(TestPaths.subset(), N);
  }

  @Test
  void networkAGetsAFormatWhoseFieldReferenceAgreesAtTheReportedRate() throws Exception {
    Model a = ModelFiles.load(TestPaths.model("network-a"));
    CalibrationReport r = Calibration.calibrate(a, data, UnaryOperator.identity());

    // Peak recomputed from prefix models (the float reference of layers 0..i alone).
    double peak = 1.0;
    int peakLayer = -1;
    for (int i = 0; i < a.layers().size(); i++) {
      Model prefix = Model.of("p", a.inputShape(), a.layers().subList(0, i + 1),
          FixedPointFormat.of(60, 12), a.activationBits());
      double max = 0;
      FloatInference fl = new FloatInference(prefix);
      for (int e = 0; e < N; e++) {
        for (double v : fl.logits(data.image(e))) {
          max = Math.max(max, Math.abs(v));
        }
      }
      assertEquals(max, r.layers().get(i).maxAbsOutput(), 1e-9 * max, "layer " + i);
      if (max > peak) {
        peak = max;
        peakLayer = i;
      }
    }
    assertEquals(peakLayer, r.peakLayer());
    assertEquals(peak, r.peakValue(), 1e-9 * peak);
    int bound = r.activationBits();
    assertTrue(Math.scalb(1.0, bound) > 2 * peak && Math.scalb(1.0, bound - 1) <= 2 * peak,
        "smallest bound with one bit of headroom");
    assertEquals(12, r.format().fractionalBits());
    assertEquals(Math.max(32, r.model().requiredRingBits(12)), r.format().ringBits());
    assertEquals(a.layers(), r.model().layers());

    // Agreement recomputed with the field and ring references of the chosen format.
    FieldFixedPointInference field =
        new FieldFixedPointInference(FieldQuantizedModel.of(r.model(), 12));
    FixedPointInference ring = new FixedPointInference(QuantizedModel.of(r.model()));
    FloatInference fl = new FloatInference(a);
    int fieldAgree = 0;
    int ringAgree = 0;
    int fieldCorrect = 0;
    double fieldErr = 0;
    for (int e = 0; e < N; e++) {
      double[] x = data.image(e);
      double[] want = fl.logits(x);
      double[] got = field.logits(x);
      int label = FloatInference.argmax(want);
      fieldAgree += field.label(x) == label ? 1 : 0;
      fieldCorrect += field.label(x) == data.label(e) ? 1 : 0;
      ringAgree += ring.label(x) == label ? 1 : 0;
      for (int j = 0; j < got.length; j++) {
        fieldErr = Math.max(fieldErr, Math.abs(got[j] - want[j]));
      }
    }
    assertEquals(N, r.field().examples());
    assertEquals(fieldAgree, r.field().agreeing());
    assertEquals(fieldCorrect, r.field().correct());
    assertEquals(fieldErr, r.field().maxLogitError(), 0.0);
    assertEquals(ringAgree, r.ring().agreeing());
    assertTrue(r.field().rate() >= Calibration.AGREEMENT_THRESHOLD, "measured " + r.field());
    assertTrue(r.warnings().isEmpty(), r.warnings().toString());
  }

  /** Dense(784 -> 2) summing the pixels times {@code w}, then Square, then a tiny Dense(2 -> 2). */
  private static Model squareModel(double w, int squares) {
    double[] w0 = new double[2 * 784];
    Arrays.fill(w0, 0, 784, w);
    Arrays.fill(w0, 784, 2 * 784, -w / 2);
    List<Layer> layers = new ArrayList<>();
    layers.add(new Dense(784, 2, w0, new double[2]));
    for (int k = 0; k < squares; k++) {
      layers.add(new Square());
    }
    layers.add(new Dense(2, 2, new double[] {1e-3, 0, 0, 1e-3}, new double[2]));
    return Model.of("sq", IMAGE, layers, FixedPointFormat.of(60, 4), 0);
  }

  /** The largest {@code (w * sum of pixels)^(2^squares)} over the data: the peak, by hand. */
  private static double squarePeak(double w, int squares) {
    double max = 0;
    for (int e = 0; e < N; e++) {
      double s = 0;
      for (double v : data.image(e)) {
        s += v;
      }
      double y = w * s;
      for (int k = 0; k < squares; k++) {
        y = y * y;
      }
      max = Math.max(max, Math.abs(y));
    }
    return max;
  }

  @Test
  void aSquareModelBeyondTheDefaultBoundGetsAWiderFormatNamingTheLayer() {
    Model m = squareModel(0.05, 1);
    CalibrationReport r = Calibration.calibrate(m, data, UnaryOperator.identity());
    double peak = squarePeak(0.05, 1);
    assertTrue(peak > 64, "the fixture must exceed the default bound 2^6, got " + peak);
    assertEquals(1, r.peakLayer());
    assertEquals("square", r.layers().get(1).kind());
    assertEquals(peak, r.peakValue(), 1e-9 * peak);
    assertTrue(r.activationBits() > FormatChoice.DEFAULT_ACTIVATION_BITS);
    assertTrue(Math.scalb(1.0, r.activationBits()) > 2 * peak);
    assertNull(r.field(), "square has no tier-2 rule");
    FixedPointInference ring = new FixedPointInference(QuantizedModel.of(r.model()));
    FloatInference fl = new FloatInference(m);
    int agree = 0;
    double err = 0;
    for (int e = 0; e < N; e++) {
      double[] want = fl.logits(data.image(e));
      double[] got = ring.logits(data.image(e));
      agree += FloatInference.argmax(got) == FloatInference.argmax(want) ? 1 : 0;
      for (int j = 0; j < got.length; j++) {
        err = Math.max(err, Math.abs(got[j] - want[j]));
      }
    }
    assertEquals(agree, r.ring().agreeing());
    assertEquals(err, r.ring().maxLogitError(), 0.0);
  }

  @Test
  void aFormatThatNoRingHoldsIsRefusedNamingTheLayerAndTheValue() {
    // 10 * (sum of pixels) reaches thousands; squared, tens of millions: bound 2^26 or so, and
    // the square needs 2f + 2a + 2 > 60 bits even at f = 8.
    Model m = squareModel(10, 1);
    CalibrationException e = assertThrows(CalibrationException.class,
        () -> Calibration.calibrate(m, data, UnaryOperator.identity()));
    double peak = squarePeak(10, 1);
    assertEquals(1, e.layer());
    assertEquals(peak, e.value(), 1e-9 * peak);
    assertTrue(e.getMessage().startsWith("layer 1 (square) cannot be held in fixed point"),
        e.getMessage());
    assertTrue(e.getMessage().contains(String.format(Locale.ROOT, "|%.4g|", peak)), e.getMessage());
    assertTrue(e.getMessage().contains("more than a ring holds (60)"), e.getMessage());
  }

  @Test
  void aBoundBeyondWhatAModelMayDeclareIsRefusedNamingTheLayer() {
    Model m = squareModel(1, 2);
    CalibrationException e = assertThrows(CalibrationException.class,
        () -> Calibration.calibrate(m, data, UnaryOperator.identity()));
    double peak = squarePeak(1, 2);
    assertTrue(peak > Math.scalb(1.0, 30), "fixture must pass 2^30, got " + peak);
    assertEquals(2, e.layer());
    assertEquals(peak, e.value(), 1e-9 * peak);
    assertTrue(e.getMessage().startsWith("layer 2 (square) reached |"
        + String.format(Locale.ROOT, "%.4g", peak) + "|"), e.getMessage());
  }

  @Test
  void aTier2ModelTheFieldCannotHoldIsRefusedNamingTheLayer() {
    // A dense layer with weights 1000 on pixel sums: fits a 60-bit ring at f = 8, but needs more
    // than the 45 bits of F_p.
    double[] w = new double[784];
    Arrays.fill(w, 1000);
    Model m = Model.of("big", IMAGE, List.of(new Dense(784, 1, w, new double[1])),
        FixedPointFormat.of(60, 4), 0);
    CalibrationException e = assertThrows(CalibrationException.class,
        () -> Calibration.calibrate(m, data, UnaryOperator.identity()));
    double peak = squarePeak(1000, 0);
    assertEquals(0, e.layer());
    assertEquals(peak, e.value(), 1e-9 * peak);
    assertTrue(e.getMessage().startsWith("layer 0 (dense) cannot be held"), e.getMessage());
    assertTrue(e.getMessage().contains("the tier-2 field holds (45)"), e.getMessage());
  }

  @Test
  void theInputPreprocessingIsAppliedBeforeTheModel() {
    InputTransform pre = InputTransform.of(new double[] {3}, new double[] {-0.5});
    Random rnd = new Random(15_004);
    double[] w = new double[10 * 784];
    for (int i = 0; i < w.length; i++) {
      w[i] = rnd.nextGaussian() * 0.05;
    }
    Model m = Model.of("pre", IMAGE, List.of(new Dense(784, 10, w, new double[10])),
        FixedPointFormat.of(60, 12), 6);
    CalibrationReport r = Calibration.calibrate(m, data, x -> pre.apply(IMAGE, x));
    double inMax = 0;
    int correct = 0;
    FloatInference fl = new FloatInference(m);
    for (int e = 0; e < N; e++) {
      double[] x = data.image(e);
      for (double v : x) {
        inMax = Math.max(inMax, Math.abs(3 * v - 0.5));
      }
      double[] y = new double[784];
      for (int j = 0; j < 784; j++) {
        y[j] = 3 * x[j] - 0.5;
      }
      correct += fl.label(y) == data.label(e) ? 1 : 0;
    }
    assertEquals(inMax, r.inputMax(), 0.0);
    assertEquals(inMax, r.layers().get(0).maxAbsInput(), 0.0);
    assertEquals(correct, r.floatCorrect());
  }

  @Test
  void agreementBelowTheThresholdIsAWarningWithTheFigure() {
    // Weights far below 2^-12 round to zero: every fixed-point logit is 0, so the fixed label is
    // always 0 while the float label varies.
    Random rnd = new Random(7);
    double[] w = new double[10 * 784];
    for (int i = 0; i < w.length; i++) {
      w[i] = rnd.nextGaussian() * 1e-6;
    }
    Model m = Model.of("tiny", IMAGE, List.of(new Dense(784, 10, w, new double[10])),
        FixedPointFormat.of(60, 12), 6);
    CalibrationReport r = Calibration.calibrate(m, data, UnaryOperator.identity());
    FloatInference fl = new FloatInference(m);
    int zeros = 0;
    for (int e = 0; e < N; e++) {
      zeros += fl.label(data.image(e)) == 0 ? 1 : 0;
    }
    assertTrue(zeros < N * Calibration.AGREEMENT_THRESHOLD, "fixture must disagree, " + zeros);
    assertEquals(zeros, r.ring().agreeing());
    assertEquals(zeros, r.field().agreeing());
    assertEquals(2, r.warnings().size(), r.warnings().toString());
    String figure = zeros + " of " + N + " labels ("
        + String.format(Locale.ROOT, "%.1f", 100.0 * zeros / N) + "%)";
    assertTrue(r.warnings().get(0).startsWith("the ring reference at "), r.warnings().get(0));
    assertTrue(r.warnings().get(0).contains(figure), r.warnings().get(0));
    assertTrue(r.warnings().get(1).contains(figure), r.warnings().get(1));
  }

  @Test
  void examplesOfAnotherSizeAreRefused() {
    Model m = Model.of("v", Shape.vector(10), List.of(new Dense(10, 2, new double[20],
        new double[2])), FixedPointFormat.of(60, 12), 6);
    CalibrationException e = assertThrows(CalibrationException.class,
        () -> Calibration.calibrate(m, data, UnaryOperator.identity()));
    assertEquals(-1, e.layer());
    assertTrue(e.getMessage().contains("[1x28x28] (784 values)"), e.getMessage());
  }

  @Test
  void readDataPrefersTheTrainingSplitAndHonoursTheLimit(@TempDir Path dir) throws Exception {
    assertEquals(N, data.size());
    Files.copy(TestPaths.subset().resolve("t10k-images-idx3-ubyte.gz"),
        dir.resolve("train-images-idx3-ubyte.gz"));
    Files.copy(TestPaths.subset().resolve("t10k-labels-idx1-ubyte.gz"),
        dir.resolve("train-labels-idx1-ubyte.gz"));
    Files.writeString(dir.resolve("t10k-images-idx3-ubyte"), "not read");
    Dataset d = Calibration.readData(dir, 5);
    assertEquals(5, d.size());
    for (int e = 0; e < 5; e++) {
      assertTrue(Arrays.equals(data.image(e), d.image(e)));
      assertEquals(data.label(e), d.label(e));
    }
    assertThrows(DatasetException.class, () -> Calibration.readData(dir.resolve("none"), 5));
    assertThrows(IllegalArgumentException.class, () -> Calibration.readData(dir, 0));
  }
}
