package dev.oml.core.reference;

import dev.oml.core.field.FieldFixedPoint;
import dev.oml.core.field.PrimeField;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.ReLU;

/**
 * The tier-2 reference: runs a {@link FieldQuantizedModel} in {@code F_p} exactly as the tier-2
 * 2PC protocol must, the bit-exact oracle of that protocol (as {@link FixedPointInference} is for
 * tier 1).
 *
 * <p>Semantics (the contract the circuits and the offline step share): values are signed fixed
 * point at {@code f} fractional bits, embedded as centered residues ({@link FieldFixedPoint}).
 * A linear layer (Dense, Conv2D as its {@code LinearForm}, AvgPool2D) computes
 * {@code z = W h + b mod p} with {@code W} at {@code f} bits and {@code b} at {@code 2f}, so
 * {@code z} is at scale {@code 2^(2f)}. The nonlinearity that follows takes the two shares
 * {@code z_U, z_O}, adds them mod {@code p}, takes the centered value, floor-truncates by
 * {@code f} bits ({@link FieldFixedPoint#truncate}) and applies ReLU if the next layer is one;
 * after the last linear layer it only truncates (and Argmax picks the largest centered logit).
 * Because floor truncation is monotone and maps 0 to 0, truncating before or after ReLU is the
 * same, so this class truncates right after each linear layer. {@code MaxPool2D} takes, per
 * window ({@link MaxPool2D#windows}), the element with the largest centered value of the
 * already truncated values: truncation first, then the maximum. Floor truncation is monotone, so
 * this equals truncating the largest pre-activation; ReLU is monotone too, so a ReLU before or
 * after the pooling gives the same values (the tier-2 circuit computes {@code
 * ReLU(max(truncated))}). Everything is computed mod
 * {@code p}: if an input breaks the model's activation bound badly enough, values wrap exactly
 * as they would in the protocol; {@link FieldQuantizedModel#of} refuses models whose worst case
 * on bounded inputs could wrap.
 */
public final class FieldFixedPointInference {
  private final FieldQuantizedModel quantized;
  private final int f;

  public FieldFixedPointInference(FieldQuantizedModel quantized) {
    this.quantized = quantized;
    this.f = quantized.fractionalBits();
  }

  /** The field model this runs. */
  public FieldQuantizedModel quantized() {
    return quantized;
  }

  /**
   * The nonlinearity on one shared pre-activation, in the clear: {@code floor(center(zU + zO) /
   * 2^f)}, then ReLU if {@code relu}, embedded again. This is the value the tier-2 circuit
   * re-shares as {@code (result - m, m)}.
   */
  public static long activate(long zU, long zO, int f, boolean relu) {
    long t = FieldFixedPoint.truncate(zU, zO, f);
    return relu && FieldFixedPoint.center(t) < 0 ? 0 : t;
  }

  /**
   * Max pooling of field elements by centered value: output {@code o} is the element of
   * {@code x[windows[o w .. o w + w)]} with the largest centered value. The tier-2 max circuit
   * computes this on shares.
   */
  public static long[] maxPool(int[] windows, int w, long[] x) {
    long[] y = new long[windows.length / w];
    for (int o = 0; o < y.length; o++) {
      long m = x[windows[o * w]];
      for (int q = 1; q < w; q++) {
        long v = x[windows[o * w + q]];
        if (FieldFixedPoint.center(v) > FieldFixedPoint.center(m)) {
          m = v;
        }
      }
      y[o] = m;
    }
    return y;
  }

  /** Encodes a real input at {@code f} fractional bits. */
  public long[] encodeInput(double[] input) {
    int n = quantized.model().inputShape().size();
    if (input.length != n) {
      throw new IllegalArgumentException("input has " + input.length + " values, model expects " + n);
    }
    long[] x = new long[n];
    for (int i = 0; i < n; i++) {
      x[i] = FieldFixedPoint.encode(input[i], f);
    }
    return x;
  }

  /**
   * Runs the model up to (not including) a final {@link Argmax} on an encoded input.
   *
   * @param input canonical field elements at {@code f} bits
   * @return the logits as canonical field elements at {@code f} bits
   * @throws dev.oml.core.field.FieldElementException if an input element is not canonical
   */
  public long[] logits(long[] input) {
    int n = quantized.model().inputShape().size();
    if (input.length != n) {
      throw new IllegalArgumentException("input has " + input.length + " values, model expects " + n);
    }
    PrimeField.requireCanonical(input, "input");
    long[] h = input.clone();
    var layers = quantized.model().layers();
    for (int i = 0; i < layers.size(); i++) {
      Layer layer = layers.get(i);
      if (quantized.isLinear(i)) {
        long[] z = PrimeField.matVec(quantized.matrixView(i), quantized.rows(i), h, null);
        PrimeField.add(z, quantized.biasView(i), z);
        for (int j = 0; j < z.length; j++) {
          z[j] = activate(z[j], 0, f, false);
        }
        h = z;
      } else if (layer instanceof ReLU) {
        for (int j = 0; j < h.length; j++) {
          h[j] = FieldFixedPoint.center(h[j]) < 0 ? 0 : h[j];
        }
      } else if (layer instanceof MaxPool2D p) {
        h = maxPool(p.windows(quantized.model().inputShapeOf(i)), p.window(), h);
      } else if (!(layer instanceof Flatten || layer instanceof Argmax)) {
        throw new IllegalStateException("no field rule for " + layer.kind());
      }
    }
    return h;
  }

  /** Encodes {@code input}, runs the model and decodes the logits. */
  public double[] logits(double[] input) {
    long[] y = logits(encodeInput(input));
    double[] out = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = FieldFixedPoint.decode(y[i], f);
    }
    return out;
  }

  /** The predicted label: index of the largest logit (first one on ties). */
  public int label(double[] input) {
    return argmax(logits(encodeInput(input)));
  }

  /** Index of the largest centered value among field elements (first one on ties). */
  public static int argmax(long[] field) {
    int best = 0;
    for (int i = 1; i < field.length; i++) {
      if (FieldFixedPoint.center(field[i]) > FieldFixedPoint.center(field[best])) {
        best = i;
      }
    }
    return best;
  }
}
