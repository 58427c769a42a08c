package dev.oml.core.reference;

import dev.oml.core.field.FieldElementException;
import dev.oml.core.field.FieldFixedPoint;
import dev.oml.core.field.PrimeField;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.AvgPool2D;
import dev.oml.core.model.Conv2D;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.LinearForm;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;

/**
 * A model's parameters as elements of {@link PrimeField} at {@code f} fractional bits: the exact
 * numbers the tier-2 OMLize shares and the tier-2 protocol computes with. For linear layer
 * {@code i} the entries of its {@link LinearForm} are {@code round(a 2^f)} and the bias is
 * {@code round(b 2^(2f))} (it is added to a product of two {@code f}-bit values), both embedded
 * as centered residues ({@link FieldFixedPoint}); this is the same rounding as tier 1's {@link
 * QuantizedModel}, so at equal {@code f} both hold the same integers.
 *
 * <p>Building one refuses, naming the layer, a model whose worst case does not fit: for every
 * layer, {@link Model#requiredBits(int, int)} (the ring-width analysis of tier 1: fan-in, weight
 * magnitude, activation bound, sign) must be at most 45, so that every accumulator lies strictly
 * inside {@code (-2^44, 2^44)}, well within {@code (p - 1) / 2 > 2^44}. Only the layer kinds the
 * tier-2 protocol has circuits for are accepted: Dense, Conv2D, AvgPool2D, MaxPool2D, Flatten,
 * ReLU, Argmax.
 */
public final class FieldQuantizedModel {
  /**
   * Largest per-layer bit count accepted: values below {@code 2^(FIELD_BITS - 1) = 2^44} in
   * magnitude, which is below {@code (p - 1) / 2 = 2^45 - 9 * 2^15}.
   */
  public static final int FIELD_BITS = PrimeField.BITS - 1;

  private final Model model;
  private final int fractionalBits;
  private final long[][] matrices;
  private final long[][] biases;
  private final int[] rows;
  private final int[] cols;

  private FieldQuantizedModel(Model model, int f, boolean encodeWeights) {
    this.model = model;
    this.fractionalBits = f;
    int n = model.layers().size();
    matrices = new long[n][];
    biases = new long[n][];
    rows = new int[n];
    cols = new int[n];
    for (int i = 0; i < n; i++) {
      Layer layer = model.layers().get(i);
      checkKind(i, layer);
      if (!layer.isLinear()) {
        continue;
      }
      LinearForm form = LinearForm.of(layer, model.inputShapeOf(i));
      rows[i] = form.rows();
      cols[i] = form.cols();
      if (encodeWeights) {
        matrices[i] = encode(form.matrix(), f, i, layer);
        biases[i] = encode(form.bias(), 2 * f, i, layer);
      }
    }
  }

  /**
   * Quantizes {@code model} into the field at {@code f} fractional bits.
   *
   * @throws FieldRangeException naming the first layer that does not fit or has no tier-2 rule
   * @throws IllegalArgumentException if {@code f} is outside {@code [0, 22]}
   */
  public static FieldQuantizedModel of(Model model, int f) {
    checkFits(model, f);
    return new FieldQuantizedModel(model, f, true);
  }

  /**
   * Checks that {@code model} has only layer kinds with a tier-2 rule and fits the field at
   * {@code f} fractional bits, layer by layer.
   *
   * @throws FieldRangeException naming the first layer that does not fit or has no tier-2 rule
   */
  public static void checkFits(Model model, int f) {
    if (f < 0 || 2 * f > FIELD_BITS - 1) {
      throw new IllegalArgumentException("fractional bits must be in [0, 22], got " + f);
    }
    for (int i = 0; i < model.layers().size(); i++) {
      checkKind(i, model.layers().get(i));
      int bits = model.requiredBits(i, f);
      if (bits > FIELD_BITS) {
        throw new FieldRangeException("layer " + i + " (" + model.layers().get(i).kind()
            + ") needs " + bits + " bits at f=" + f + " (2f + log2(fan-in) + weight and"
            + " activation magnitude bits + 2); F_p holds " + FIELD_BITS
            + ". Use fewer fractional bits or a smaller activation bound");
      }
    }
  }

  /**
   * Whether every layer of {@code model} has a tier-2 rule (dense, conv2d, avgpool2d, maxpool2d,
   * flatten, relu, argmax): the models the two-party mode runs, whatever their range.
   */
  public static boolean hasTier2Rule(Model model) {
    for (int i = 0; i < model.layers().size(); i++) {
      try {
        checkKind(i, model.layers().get(i));
      } catch (FieldRangeException e) {
        return false;
      }
    }
    return true;
  }

  private static void checkKind(int i, Layer layer) {
    if (!(layer instanceof Dense || layer instanceof Conv2D || layer instanceof AvgPool2D
        || layer instanceof MaxPool2D || layer instanceof Flatten || layer instanceof ReLU || layer instanceof Argmax)) {
      throw new FieldRangeException("layer " + i + " (" + layer.kind() + ") has no tier-2 rule;"
          + " the field path runs dense, conv2d, avgpool2d, maxpool2d, flatten, relu and argmax");
    }
  }

  /**
   * A field model whose linear layers hold the given field elements instead of the model's own:
   * how one runs a secret share (a tier-2 artifact's {@code W_U} alone) as if it were a model.
   * Shapes come from {@code model}; no range check applies (shares are uniform, not small).
   *
   * @throws IllegalArgumentException if a layer's tensors are missing or of the wrong size
   * @throws FieldElementException if an entry is not a canonical field element
   */
  public static FieldQuantizedModel fromShares(Model model, int f, long[][] matrices,
      long[][] biases) {
    FieldQuantizedModel q = new FieldQuantizedModel(model, f, false);
    int n = model.layers().size();
    if (matrices.length != n || biases.length != n) {
      throw new IllegalArgumentException("need one entry per layer (" + n + ")");
    }
    for (int i = 0; i < n; i++) {
      boolean linear = model.layers().get(i).isLinear();
      if (!linear) {
        if (matrices[i] != null || biases[i] != null) {
          throw new IllegalArgumentException("layer " + i + " is not linear but has tensors");
        }
        continue;
      }
      if (matrices[i] == null || matrices[i].length != (long) q.rows[i] * q.cols[i]
          || biases[i] == null || biases[i].length != q.rows[i]) {
        throw new IllegalArgumentException("layer " + i + ": tensors missing or of the wrong size");
      }
      PrimeField.requireCanonical(matrices[i], "layer " + i + " matrix");
      PrimeField.requireCanonical(biases[i], "layer " + i + " bias");
      q.matrices[i] = matrices[i].clone();
      q.biases[i] = biases[i].clone();
    }
    return q;
  }

  private static long[] encode(double[] v, int bits, int layer, Layer l) {
    long[] out = new long[v.length];
    for (int j = 0; j < v.length; j++) {
      try {
        out[j] = FieldFixedPoint.encode(v[j], bits);
      } catch (FieldElementException e) {
        throw new FieldRangeException("layer " + layer + " (" + l.kind() + "): a parameter does"
            + " not fit the field at " + bits + " fractional bits");
      }
    }
    return out;
  }

  public Model model() {
    return model;
  }

  /** The number of fractional bits {@code f}. */
  public int fractionalBits() {
    return fractionalBits;
  }

  /** True if layer {@code i} is linear (has a matrix and a bias here). */
  public boolean isLinear(int i) {
    return matrices[i] != null;
  }

  /** Rows of layer {@code i}'s matrix. */
  public int rows(int i) {
    requireLinear(i);
    return rows[i];
  }

  /** Columns of layer {@code i}'s matrix. */
  public int cols(int i) {
    requireLinear(i);
    return cols[i];
  }

  /** A copy of layer {@code i}'s matrix, row-major, field elements at {@code f} bits. */
  public long[] matrix(int i) {
    requireLinear(i);
    return matrices[i].clone();
  }

  /** A copy of layer {@code i}'s bias, field elements at {@code 2f} bits. */
  public long[] bias(int i) {
    requireLinear(i);
    return biases[i].clone();
  }

  long[] matrixView(int i) {
    return matrices[i];
  }

  long[] biasView(int i) {
    return biases[i];
  }

  private void requireLinear(int i) {
    if (matrices[i] == null) {
      throw new IllegalArgumentException("layer " + i + " (" + model.layers().get(i).kind()
          + ") is not linear");
    }
  }
}
