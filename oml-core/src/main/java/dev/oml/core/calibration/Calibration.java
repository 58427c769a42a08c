package dev.oml.core.calibration;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.DatasetException;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.fixedpoint.FixedPointOverflowException;
import dev.oml.core.model.FormatChoice;
import dev.oml.core.model.Layer;
import dev.oml.core.model.Model;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.reference.QuantizedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Chooses a model's fixed-point format from data instead of assuming it.
 *
 * <p>The float reference runs on every calibration example (after the input preprocessing, if
 * the model has one) and records each layer's largest and mean {@code |output|}. The activation
 * bound {@code a} is the smallest with {@code 2^a > }{@value #HEADROOM}{@code  * peak}, where
 * {@code peak} is the largest magnitude seen anywhere, input and logits included: one bit of
 * headroom over the data, as the trainer leaves. With that bound, {@code f} is the largest in
 * [{@value #MIN_FRACTIONAL_BITS}, {@value #MAX_FRACTIONAL_BITS}] at which every layer fits the
 * ring ({@link Model#requiredBits(int, int)} at most {@value FixedPointFormat#MAX_RING_BITS}) and,
 * for a model the two-party tier 2 runs, the prime field ({@link
 * FieldQuantizedModel#FIELD_BITS} bits, the bound behind its exact truncation); the ring is the
 * narrowest of at least 32 bits ({@link FormatChoice#narrowestRing}). If no such format exists,
 * or {@code a} would exceed {@value #MAX_ACTIVATION_BITS}, or a value is not finite, it refuses
 * with a {@link CalibrationException} naming the layer and the value seen.
 *
 * <p>It then runs the chosen format's ring reference and, for a tier-2 model, its field
 * reference on the same examples and reports how many labels agree with float and the largest
 * logit error; agreement below {@value #AGREEMENT_THRESHOLD} adds a warning with the figure.
 */
public final class Calibration {
  /** The activation bound is above this factor times the largest magnitude seen (one bit). */
  public static final double HEADROOM = 2.0;
  /**
   * Most fractional bits chosen: the default of every import and the precision the two-party and
   * HE paths are measured at; more widens the ring for no label measurably gained.
   */
  public static final int MAX_FRACTIONAL_BITS = FormatChoice.DEFAULT_FRACTIONAL_BITS;
  /** Fewest fractional bits chosen; below this a format is refused rather than made coarse. */
  public static final int MIN_FRACTIONAL_BITS = 8;
  /** Largest activation bound a model may declare ({@link Model#of}). */
  public static final int MAX_ACTIVATION_BITS = 30;
  /** Label agreement with float below which a warning is given. */
  public static final double AGREEMENT_THRESHOLD = 0.99;
  /** Examples used when the caller does not say. */
  public static final int DEFAULT_LIMIT = 1000;

  private static final int RING_BITS = FixedPointFormat.MAX_RING_BITS;

  private Calibration() {}

  /**
   * Reads calibration data from an IDX directory in the Fashion-MNIST layout: the training split
   * ({@code train-images-idx3-ubyte[.gz]} and {@code train-labels-idx1-ubyte[.gz]}) if the
   * directory holds one, else the test split ({@code t10k-...}); the first {@code limit}
   * examples.
   *
   * @throws DatasetException if the directory or its files are missing or malformed
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  public static Dataset readData(Path dir, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("the calibration limit must be positive, got " + limit);
    }
    if (!Files.isDirectory(dir)) {
      throw new DatasetException(dir + ": no such directory (calibration data is a directory of"
          + " IDX files in the Fashion-MNIST layout, see docs/calibration.md)");
    }
    String split = FashionMnist.hasSplit(dir, "train") ? "train" : "t10k";
    return FashionMnist.split(dir, split, limit);
  }

  /**
   * Calibrates {@code model} on {@code data}, its examples fed through {@code preprocessing}
   * first (use {@link UnaryOperator#identity()} when the model has none).
   *
   * @throws CalibrationException if the examples do not fit the model's input, or no format
   *     holds the model on them (the message names the layer and the value seen)
   */
  public static CalibrationReport calibrate(Model model, Dataset data,
      UnaryOperator<double[]> preprocessing) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(preprocessing, "preprocessing");
    int n = model.inputShape().size();
    if (data.shape().size() != n) {
      throw new CalibrationException("the calibration examples have shape " + data.shape() + " ("
          + data.shape().size() + " values); model '" + model.name() + "' takes "
          + model.inputShape() + " (" + n + " values)");
    }
    List<Layer> layers = model.layers();
    int count = layers.size();
    FloatInference fl = new FloatInference(model);
    double inputMax = 0;
    double[] maxOut = new double[count];
    double[] sumOut = new double[count];
    long[] outputs = new long[count];
    double[][] floatLogits = new double[data.size()][];
    for (int e = 0; e < data.size(); e++) {
      double[] x = input(data, e, n, preprocessing);
      for (double v : x) {
        inputMax = Math.max(inputMax, Math.abs(v));
      }
      double[][] out = fl.layerOutputs(x);
      for (int i = 0; i < count; i++) {
        for (double v : out[i]) {
          if (!Double.isFinite(v)) {
            throw new CalibrationException(where(model, i) + " produced " + v + " on calibration"
                + " example " + e + "; no fixed-point format holds it", i, v);
          }
          maxOut[i] = Math.max(maxOut[i], Math.abs(v));
          sumOut[i] += Math.abs(v);
        }
        outputs[i] += out[i].length;
      }
      floatLogits[e] = out[count - 1];
    }

    int peakLayer = -1;
    double peak = inputMax;
    for (int i = 0; i < count; i++) {
      if (maxOut[i] > peak) {
        peak = maxOut[i];
        peakLayer = i;
      }
    }
    int a = 0;
    while (Math.scalb(1.0, a) <= HEADROOM * peak) {
      a++;
    }
    if (a > MAX_ACTIVATION_BITS) {
      throw new CalibrationException(where(model, peakLayer) + " reached |" + fmt(peak)
          + "| on the calibration data; with one bit of headroom that needs an activation bound"
          + " of 2^" + a + ", above the largest a model may declare (2^" + MAX_ACTIVATION_BITS
          + ")", peakLayer, peak);
    }

    boolean tier2 = FieldQuantizedModel.hasTier2Rule(model);
    int f = chooseFractionalBits(model, a, tier2, inputMax, maxOut);
    Model calibrated = FormatChoice.build(model.name(), model.inputShape(), layers, f, a);
    if (model.inputBox().isPresent()) {
      calibrated = calibrated.withInputBox(model.inputBox().get());
    }
    if (model.preprocessing().isPresent()) {
      calibrated = calibrated.withPreprocessing(model.preprocessing().get());
    }

    List<LayerRange> ranges = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ranges.add(new LayerRange(i, layers.get(i).kind(), calibrated.outputShapeOf(i),
          i == 0 ? inputMax : maxOut[i - 1], maxOut[i], sumOut[i] / outputs[i],
          calibrated.requiredBits(i, f)));
    }

    boolean labelled = true;
    for (int e = 0; e < data.size(); e++) {
      labelled &= data.label(e) >= 0 && data.label(e) < floatLogits[e].length;
    }
    int floatCorrect = 0;
    for (int e = 0; e < data.size(); e++) {
      floatCorrect += FloatInference.argmax(floatLogits[e]) == data.label(e) ? 1 : 0;
    }
    FixedPointInference ring = new FixedPointInference(QuantizedModel.of(calibrated));
    FieldFixedPointInference field = tier2
        ? new FieldFixedPointInference(FieldQuantizedModel.of(calibrated, f)) : null;
    Tally ringTally = new Tally();
    Tally fieldTally = new Tally();
    for (int e = 0; e < data.size(); e++) {
      double[] x = input(data, e, n, preprocessing);
      double[] ringLogits;
      try {
        ringLogits = ring.logits(x);
      } catch (FixedPointOverflowException ex) {
        throw new CalibrationException("calibration example " + e + ": " + ex.getMessage());
      }
      ringTally.add(ringLogits, floatLogits[e], data.label(e));
      if (field != null) {
        fieldTally.add(field.logits(x), floatLogits[e], data.label(e));
      }
    }
    Agreement ringAgreement = ringTally.result(data.size(), labelled);
    Agreement fieldAgreement = field == null ? null : fieldTally.result(data.size(), labelled);
    List<String> warnings = new ArrayList<>();
    warn(warnings, "ring", calibrated.format(), ringAgreement);
    if (fieldAgreement != null) {
      warn(warnings, "field (tier 2)", calibrated.format(), fieldAgreement);
    }
    return new CalibrationReport(calibrated, data.size(), inputMax, ranges, peakLayer, peak,
        labelled ? floatCorrect : -1, ringAgreement, fieldAgreement, warnings);
  }

  /**
   * The largest {@code f} in range at which every layer fits the ring and, for a tier-2 model,
   * the field; or a refusal naming the layer that fits at none.
   */
  private static int chooseFractionalBits(Model model, int a, boolean tier2, double inputMax,
      double[] maxOut) {
    for (int f = MAX_FRACTIONAL_BITS; f >= MIN_FRACTIONAL_BITS; f--) {
      if (worstLayer(model, f, a, RING_BITS) < 0
          && (!tier2 || worstLayer(model, f, a, FieldQuantizedModel.FIELD_BITS) < 0)) {
        return f;
      }
    }
    int f = MIN_FRACTIONAL_BITS;
    boolean ringFails = worstLayer(model, f, a, RING_BITS) >= 0;
    int limit = ringFails ? RING_BITS : FieldQuantizedModel.FIELD_BITS;
    int i = worstLayer(model, f, a, limit);
    double in = i == 0 ? inputMax : maxOut[i - 1];
    throw new CalibrationException(where(model, i) + " cannot be held in fixed point: on the"
        + " calibration data its input reaches |" + fmt(in) + "| and its output |"
        + fmt(maxOut[i]) + "|, the activation bound is 2^" + a + ", and at f=" + f + " (the"
        + " fewest fractional bits calibration accepts) it needs " + model.requiredBits(i, f, a)
        + " bits, more than " + (ringFails ? "a ring holds (" + limit + ")"
        : "the tier-2 field holds (" + limit + ")"), i, Math.max(in, maxOut[i]));
  }

  /** The layer needing the most bits beyond {@code limit}, or -1 if all fit. */
  private static int worstLayer(Model model, int f, int a, int limit) {
    int worst = -1;
    int most = limit;
    for (int i = 0; i < model.layers().size(); i++) {
      int bits = model.requiredBits(i, f, a);
      if (bits > most) {
        most = bits;
        worst = i;
      }
    }
    return worst;
  }

  private static double[] input(Dataset data, int e, int n, UnaryOperator<double[]> pre) {
    double[] x = pre.apply(data.image(e));
    if (x == null || x.length != n) {
      throw new CalibrationException("the input preprocessing turned calibration example " + e
          + " into " + (x == null ? "nothing" : x.length + " values") + "; the model takes " + n);
    }
    for (double v : x) {
      if (!Double.isFinite(v)) {
        throw new CalibrationException("calibration example " + e + " is not finite after the"
            + " input preprocessing", -1, v);
      }
    }
    return x;
  }

  private static void warn(List<String> warnings, String which, FixedPointFormat format,
      Agreement g) {
    if (g.rate() < AGREEMENT_THRESHOLD) {
      warnings.add(String.format(Locale.ROOT, "the %s reference at %s agrees with float on"
          + " %d of %d labels (%.1f%%), below %.0f%%; the format loses accuracy on this data",
          which, format, g.agreeing(), g.examples(), 100 * g.rate(), 100 * AGREEMENT_THRESHOLD));
    }
  }

  private static String where(Model model, int i) {
    return i < 0 ? "the input" : "layer " + i + " (" + model.layers().get(i).kind() + ")";
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }

  /** Running counts for one fixed-point reference. */
  private static final class Tally {
    private int agreeing;
    private int correct;
    private double maxError;

    void add(double[] fixed, double[] exact, int label) {
      int l = FloatInference.argmax(fixed);
      agreeing += l == FloatInference.argmax(exact) ? 1 : 0;
      correct += l == label ? 1 : 0;
      for (int j = 0; j < fixed.length; j++) {
        maxError = Math.max(maxError, Math.abs(fixed[j] - exact[j]));
      }
    }

    Agreement result(int examples, boolean labelled) {
      return new Agreement(examples, agreeing, maxError, labelled ? correct : -1);
    }
  }
}
