package dev.oml.core.calibration;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Model;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of {@link Calibration#calibrate}: the model in its chosen format, what every layer
 * did on the data, and how the fixed-point references agreed with float.
 *
 * @param model the model with the chosen format and activation bound
 * @param examples number of calibration examples run
 * @param inputMax largest {@code |value|} of the (preprocessed) inputs
 * @param layers one entry per layer, in order
 * @param peakLayer the layer whose output reached the largest magnitude, {@code -1} if it was
 *     the input
 * @param peakValue that magnitude; the activation bound is the smallest power of two above
 *     {@link Calibration#HEADROOM} times it
 * @param floatCorrect examples whose float label equals the data's label, or {@code -1} if the
 *     data's labels are not labels of this model
 * @param ring the ring reference ({@code FixedPointInference}) against float
 * @param field the tier-2 field reference ({@code FieldFixedPointInference}) against float, or
 *     null if the model has a layer without a tier-2 rule
 * @param warnings one line each; empty when both references agree with float on at least
 *     {@link Calibration#AGREEMENT_THRESHOLD} of the examples
 */
public record CalibrationReport(Model model, int examples, double inputMax,
    List<LayerRange> layers, int peakLayer, double peakValue, int floatCorrect, Agreement ring,
    Agreement field, List<String> warnings) {

  public CalibrationReport {
    layers = List.copyOf(layers);
    warnings = List.copyOf(warnings);
  }

  /** The chosen format (ring width and {@code f}). */
  public FixedPointFormat format() {
    return model.format();
  }

  /** The chosen activation bound: every activation seen is below {@code 2^activationBits / 2}. */
  public int activationBits() {
    return model.activationBits();
  }

  /** The field reference's agreement, if the model runs in tier 2. */
  public Optional<Agreement> fieldAgreement() {
    return Optional.ofNullable(field);
  }
}
