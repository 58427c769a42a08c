package dev.oml.core.reference;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.fixedpoint.FixedPointOverflowException;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Polynomial;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;

/**
 * The fixed-point reference: runs a {@link QuantizedModel} in its ring exactly as the 2PC
 * protocol must, and raises {@link FixedPointOverflowException} where a value would wrap.
 *
 * <p>Semantics, layer by layer (values are signed representatives, {@code >>} is an arithmetic
 * shift, i.e. floor division by {@code 2^f}):
 * <ul>
 *   <li>linear ({@code Dense}, {@code Conv2D}, {@code AvgPool2D}):
 *       {@code y = (A x + b) >> f} with {@code A} at {@code f} bits, {@code b} at {@code 2f};
 *   <li>{@code ReLU}: {@code max(0, x)};
 *   <li>{@code MaxPool2D}: the largest signed value of each window ({@link MaxPool2D#windows});
 *       it takes the values the linear layer before it already shifted, and since the shift is
 *       monotone this equals shifting the window's largest accumulator;
 *   <li>{@code Square}: {@code (x * x) >> f};
 *   <li>{@code Polynomial} (Horner): {@code acc = c_d; acc = ((acc * x) >> f) + c_i} for
 *       {@code i = d-1 .. 0};
 *   <li>{@code Flatten}: identity; {@code Argmax}: not applied here (see {@link #label}).
 * </ul>
 * Every intermediate integer is computed exactly and must lie in {@code [-2^(l-1), 2^(l-1))};
 * when it does, computing the same steps mod {@code 2^l} on secret shares gives the identical
 * result.
 */
public final class FixedPointInference {
  private final QuantizedModel quantized;
  private final FixedPointFormat format;

  public FixedPointInference(QuantizedModel quantized) {
    this.quantized = quantized;
    this.format = quantized.format();
  }

  /** The quantized model this runs. */
  public QuantizedModel quantized() {
    return quantized;
  }

  /** Encodes a real input at {@code f} fractional bits. */
  public long[] encodeInput(double[] input) {
    int n = quantized.model().inputShape().size();
    if (input.length != n) {
      throw new IllegalArgumentException("input has " + input.length + " values, model expects " + n);
    }
    long[] x = new long[n];
    for (int i = 0; i < n; i++) {
      x[i] = format.encode(input[i]);
    }
    return x;
  }

  /**
   * Runs the model up to (not including) a final {@link Argmax} on an encoded input.
   *
   * @param input canonical ring elements at {@code f} bits
   * @return the logits as canonical ring elements at {@code f} bits
   * @throws FixedPointOverflowException if an intermediate value leaves the signed range
   */
  public long[] logits(long[] input) {
    int n = quantized.model().inputShape().size();
    if (input.length != n) {
      throw new IllegalArgumentException("input has " + input.length + " values, model expects " + n);
    }
    long[] h = new long[n];
    for (int i = 0; i < n; i++) {
      h[i] = format.signed(input[i]);
    }
    var layers = quantized.model().layers();
    for (int i = 0; i < layers.size(); i++) {
      Layer layer = layers.get(i);
      if (quantized.isLinear(i)) {
        h = linear(i, h);
      } else if (layer instanceof ReLU) {
        for (int j = 0; j < h.length; j++) {
          h[j] = Math.max(0, h[j]);
        }
      } else if (layer instanceof MaxPool2D p) {
        h = maxPool(p, quantized.model().inputShapeOf(i), h);
      } else if (layer instanceof Square) {
        for (int j = 0; j < h.length; j++) {
          h[j] = checked(i, product(i, h[j], h[j])) >> format.fractionalBits();
        }
      } else if (layer instanceof Polynomial) {
        long[] c = quantized.polynomialView(i);
        for (int j = 0; j < h.length; j++) {
          long acc = format.signed(c[c.length - 1]);
          for (int d = c.length - 2; d >= 0; d--) {
            acc = checked(i, (checked(i, product(i, acc, h[j])) >> format.fractionalBits())
                + format.signed(c[d]));
          }
          h[j] = acc;
        }
      } else if (layer instanceof Flatten || layer instanceof Argmax) {
        continue;
      } else {
        throw new IllegalStateException("no fixed-point rule for " + layer.kind());
      }
    }
    long[] out = new long[h.length];
    for (int j = 0; j < h.length; j++) {
      out[j] = format.reduce(h[j]);
    }
    return out;
  }

  /** Encodes {@code input}, runs the model and decodes the logits. */
  public double[] logits(double[] input) {
    long[] y = logits(encodeInput(input));
    double[] out = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = format.decode(y[i]);
    }
    return out;
  }

  /** The predicted label: index of the largest logit (first one on ties). */
  public int label(double[] input) {
    return argmax(format, logits(encodeInput(input)));
  }

  /** Index of the largest signed value among ring elements (first one on ties). */
  public static int argmax(FixedPointFormat format, long[] ring) {
    int best = 0;
    for (int i = 1; i < ring.length; i++) {
      if (format.signed(ring[i]) > format.signed(ring[best])) {
        best = i;
      }
    }
    return best;
  }

  private static long[] maxPool(MaxPool2D p, Shape in, long[] x) {
    int[] win = p.windows(in);
    int w = p.window();
    long[] y = new long[win.length / w];
    for (int o = 0; o < y.length; o++) {
      long m = x[win[o * w]];
      for (int q = 1; q < w; q++) {
        m = Math.max(m, x[win[o * w + q]]);
      }
      y[o] = m;
    }
    return y;
  }

  private long[] linear(int layer, long[] x) {
    long[] a = quantized.matrixView(layer);
    long[] b = quantized.biasView(layer);
    int rows = b.length;
    int cols = x.length;
    long[] y = new long[rows];
    int f = format.fractionalBits();
    for (int r = 0; r < rows; r++) {
      long acc = format.signed(b[r]);
      int base = r * cols;
      try {
        for (int c = 0; c < cols; c++) {
          long w = a[base + c];
          if (w != 0) {
            acc = Math.addExact(acc, Math.multiplyExact(format.signed(w), x[c]));
          }
        }
      } catch (ArithmeticException e) {
        throw overflow(layer);
      }
      y[r] = checked(layer, acc) >> f;
    }
    return y;
  }

  private long product(int layer, long a, long b) {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      throw overflow(layer);
    }
  }

  private long checked(int layer, long v) {
    if (!format.fitsSigned(v)) {
      throw overflow(layer);
    }
    return v;
  }

  private FixedPointOverflowException overflow(int layer) {
    return new FixedPointOverflowException("layer " + layer + " ("
        + quantized.model().layers().get(layer).kind() + ") overflows " + format
        + "; the input is outside the model's activation bound or the ring is too narrow");
  }
}
