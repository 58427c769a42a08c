package dev.oml.core.calibration;

import dev.oml.core.OmlException;

/**
 * No fixed-point format holds the model on its calibration data, or the data does not fit the
 * model. When a layer is to blame the message names it by index and kind and gives the magnitude
 * seen there; {@link #layer()} is then its index ({@code -1} for the model input or for problems
 * of the data as a whole).
 */
public final class CalibrationException extends OmlException {
  private static final long serialVersionUID = 1L;

  private final int layer;
  private final double value;

  CalibrationException(String message) {
    this(message, -1, Double.NaN);
  }

  CalibrationException(String message, int layer, double value) {
    super(message);
    this.layer = layer;
    this.value = value;
  }

  /** Index of the layer to blame, or {@code -1} for the input or the data as a whole. */
  public int layer() {
    return layer;
  }

  /** The magnitude seen at that layer on the calibration data, or NaN if none applies. */
  public double value() {
    return value;
  }
}
