package dev.oml.core.model;

import dev.oml.core.fixedpoint.FixedPointFormat;
import java.util.List;

/**
 * How an importer picks a model's fixed-point format when it has no data to measure: {@code f =
 * }{@value #DEFAULT_FRACTIONAL_BITS}, the activation bound {@code 2^}{@value
 * #DEFAULT_ACTIVATION_BITS}, and the narrowest ring of at least {@value #MIN_RING_BITS} bits that
 * {@link Model#requiredRingBits(int)} allows. Both the {@code .npz} and the ONNX importer call
 * this one function, and calibration ({@code dev.oml.core.calibration}) uses {@link
 * #narrowestRing(Model, int)} with the bound it measured instead of the default.
 */
public final class FormatChoice {
  /** Fractional bits used when nothing says otherwise. */
  public static final int DEFAULT_FRACTIONAL_BITS = 12;
  /** Activation bound used when nothing says otherwise: {@code |a| < 2^6}. */
  public static final int DEFAULT_ACTIVATION_BITS = 6;
  /**
   * Narrowest ring chosen: 32 bits, so that a model that would fit a tiny ring still keeps a
   * margin of integer bits against inputs slightly outside its declared bound.
   */
  public static final int MIN_RING_BITS = 32;

  private FormatChoice() {}

  /**
   * Builds the model with {@code activationBits} and the narrowest ring of at least {@value
   * #MIN_RING_BITS} bits it needs at {@code f} fractional bits.
   *
   * @throws ModelValidationException if the layers do not fit together, or the model needs more
   *     than {@value FixedPointFormat#MAX_RING_BITS} bits
   */
  public static Model build(String name, Shape input, List<Layer> layers, int f,
      int activationBits) {
    Model probe = Model.of(name, input, layers,
        FixedPointFormat.of(FixedPointFormat.MAX_RING_BITS, f), activationBits);
    return probe.withFormat(narrowestRing(probe, f));
  }

  /**
   * Builds the model in the default format ({@code f = 12}, bound {@code 2^6}), as an import
   * without calibration data does.
   *
   * @throws ModelValidationException as {@link #build(String, Shape, List, int, int)}
   */
  public static Model withoutData(String name, Shape input, List<Layer> layers) {
    return build(name, input, layers, DEFAULT_FRACTIONAL_BITS, DEFAULT_ACTIVATION_BITS);
  }

  /**
   * The narrowest ring of at least {@value #MIN_RING_BITS} bits that holds {@code model} at
   * {@code f} fractional bits with its activation bound.
   *
   * @throws ModelValidationException if the model needs more than {@value
   *     FixedPointFormat#MAX_RING_BITS} bits
   */
  public static FixedPointFormat narrowestRing(Model model, int f) {
    int need = model.requiredRingBits(f);
    if (need > FixedPointFormat.MAX_RING_BITS) {
      throw new ModelValidationException("model '" + model.name() + "' needs l >= " + need
          + " at f=" + f + "; rings hold at most " + FixedPointFormat.MAX_RING_BITS + " bits");
    }
    return FixedPointFormat.of(Math.max(MIN_RING_BITS, need), f);
  }
}
