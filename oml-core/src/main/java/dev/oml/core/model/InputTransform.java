package dev.oml.core.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A model's input preprocessing, per channel: raw input {@code x} becomes the model input
 * {@code x' = scale[c] * x + offset[c]} (for a vector input each feature is a channel). The ONNX
 * importer gathers it from {@code Sub}, {@code Div}, {@code Mul} and {@code Add} by constants on
 * the graph input, for instance {@code (x / 255 - mean) / std}; model files (version 3) and
 * manifests store it, and the licensee client and {@code ./oml evaluate} apply it, so a caller
 * passes raw inputs. It is kept beside the layers, not folded into the first one, because folding
 * an offset into a padded convolution would change the border pixels.
 */
public final class InputTransform {
  private final double[] scale;
  private final double[] offset;

  private InputTransform(double[] scale, double[] offset) {
    this.scale = scale;
    this.offset = offset;
  }

  /** The identity on {@code channels} channels. */
  public static InputTransform identity(int channels) {
    double[] s = new double[channels];
    Arrays.fill(s, 1.0);
    return new InputTransform(s, new double[channels]);
  }

  /**
   * A transform with the given per-channel scale and offset (copied).
   *
   * @throws ModelValidationException if the lengths differ or a value is not finite or a scale is 0
   */
  public static InputTransform of(double[] scale, double[] offset) {
    if (scale.length != offset.length || scale.length == 0) {
      throw new ModelValidationException("input transform: " + scale.length + " scales and "
          + offset.length + " offsets");
    }
    for (int c = 0; c < scale.length; c++) {
      if (!Double.isFinite(scale[c]) || !Double.isFinite(offset[c]) || scale[c] == 0) {
        throw new ModelValidationException("input transform: channel " + c + " has scale " + scale[c]
            + " and offset " + offset[c] + " (scales must be finite and non-zero)");
      }
    }
    return new InputTransform(scale.clone(), offset.clone());
  }

  /** The same transform on raw value {@code x} of channel {@code c}. */
  public double apply(int c, double x) {
    return scale[c] * x + offset[c];
  }

  /** The raw value of channel {@code c} that becomes model input {@code y}. */
  public double invert(int c, double y) {
    return (y - offset[c]) / scale[c];
  }

  /** Number of channels. */
  public int channels() {
    return scale.length;
  }

  /** A copy of the per-channel scales. */
  public double[] scale() {
    return scale.clone();
  }

  /** A copy of the per-channel offsets. */
  public double[] offset() {
    return offset.clone();
  }

  /** True if this transform changes nothing. */
  public boolean isIdentity() {
    for (int c = 0; c < scale.length; c++) {
      if (scale[c] != 1.0 || offset[c] != 0.0) {
        return false;
      }
    }
    return true;
  }

  /**
   * This transform followed by {@code x -> a * x + b} on every channel.
   *
   * @throws ModelValidationException if the result is not a valid transform
   */
  public InputTransform then(double[] a, double[] b) {
    double[] s = new double[scale.length];
    double[] o = new double[scale.length];
    for (int c = 0; c < s.length; c++) {
      s[c] = a[c] * scale[c];
      o[c] = a[c] * offset[c] + b[c];
    }
    return of(s, o);
  }

  /**
   * Applies the transform to a raw input of {@code shape} (row-major {@code c x h x w}).
   *
   * @throws IllegalArgumentException if the input does not have the shape's size or the shape
   *     another number of channels
   */
  public double[] apply(Shape shape, double[] raw) {
    Objects.requireNonNull(raw, "raw");
    if (shape.channels() != scale.length || raw.length != shape.size()) {
      throw new IllegalArgumentException("input of " + raw.length + " values does not fit shape "
          + shape + " with " + scale.length + " channels");
    }
    int plane = shape.height() * shape.width();
    double[] out = new double[raw.length];
    for (int i = 0; i < raw.length; i++) {
      int c = i / plane;
      out[i] = scale[c] * raw[i] + offset[c];
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InputTransform t && Arrays.equals(t.scale, scale)
        && Arrays.equals(t.offset, offset);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(scale) * 31 + Arrays.hashCode(offset);
  }

  @Override
  public String toString() {
    if (isIdentity()) {
      return "identity";
    }
    boolean uniform = true;
    for (int c = 1; c < scale.length; c++) {
      uniform &= scale[c] == scale[0] && offset[c] == offset[0];
    }
    if (uniform) {
      return "x * " + scale[0] + " + " + offset[0];
    }
    return "x * " + Arrays.toString(scale) + " + " + Arrays.toString(offset) + " per channel";
  }
}
