package dev.oml.core.reference;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Layer;
import dev.oml.core.model.LinearForm;
import dev.oml.core.model.Model;
import dev.oml.core.model.Polynomial;

/**
 * A model's parameters in its fixed-point ring, the exact numbers that OMLize secret-shares and
 * that every fixed-point path computes with. For linear layer {@code i} the matrix entries of
 * its {@link LinearForm} are encoded at {@code f} fractional bits and the bias at {@code 2f}
 * (it is added to a product of two {@code f}-bit values before truncation). Polynomial
 * coefficients are encoded at {@code f} bits. All values are canonical ring elements.
 */
public final class QuantizedModel {
  private final Model model;
  private final long[][] matrices;
  private final long[][] biases;
  private final int[] rows;
  private final int[] cols;
  private final long[][] polynomials;

  private QuantizedModel(Model model) {
    this.model = model;
    FixedPointFormat fmt = model.format();
    int n = model.layers().size();
    matrices = new long[n][];
    biases = new long[n][];
    rows = new int[n];
    cols = new int[n];
    polynomials = new long[n][];
    for (int i = 0; i < n; i++) {
      Layer layer = model.layers().get(i);
      if (layer.isLinear()) {
        LinearForm form = LinearForm.of(layer, model.inputShapeOf(i));
        rows[i] = form.rows();
        cols[i] = form.cols();
        double[] a = form.matrix();
        long[] q = new long[a.length];
        for (int j = 0; j < a.length; j++) {
          q[j] = fmt.encode(a[j]);
        }
        double[] b = form.bias();
        long[] qb = new long[b.length];
        for (int j = 0; j < b.length; j++) {
          qb[j] = fmt.encodeScaled(b[j], 2 * fmt.fractionalBits());
        }
        matrices[i] = q;
        biases[i] = qb;
      } else if (layer instanceof Polynomial p) {
        double[] c = p.coefficients();
        long[] q = new long[c.length];
        for (int j = 0; j < c.length; j++) {
          q[j] = fmt.encode(c[j]);
        }
        polynomials[i] = q;
      }
    }
  }

  /** Quantizes {@code model} in its own format. */
  public static QuantizedModel of(Model model) {
    return new QuantizedModel(model);
  }

  /**
   * A quantized model whose linear layers hold the given ring elements instead of the model's
   * own quantized weights: how one evaluates a secret share (for example a licensee artifact's
   * {@code W_U} alone) as if it were a model. Shapes, polynomial coefficients and the format
   * come from {@code model}; entries are reduced into the ring.
   *
   * @param matrices per layer, row-major {@code rows(i) x cols(i)} at {@code f} bits; {@code null}
   *     exactly for the layers that are not linear
   * @param biases per layer, {@code rows(i)} entries at {@code 2f} bits; {@code null} likewise
   * @throws IllegalArgumentException if a layer's tensors are missing or of the wrong size
   */
  public static QuantizedModel fromShares(Model model, long[][] matrices, long[][] biases) {
    QuantizedModel q = new QuantizedModel(model);
    int n = model.layers().size();
    if (matrices.length != n || biases.length != n) {
      throw new IllegalArgumentException("need one entry per layer (" + n + ")");
    }
    FixedPointFormat fmt = model.format();
    for (int i = 0; i < n; i++) {
      if (q.matrices[i] == null) {
        if (matrices[i] != null || biases[i] != null) {
          throw new IllegalArgumentException("layer " + i + " is not linear but has tensors");
        }
        continue;
      }
      if (matrices[i] == null || matrices[i].length != q.matrices[i].length
          || biases[i] == null || biases[i].length != q.biases[i].length) {
        throw new IllegalArgumentException("layer " + i + ": tensors missing or of the wrong size");
      }
      for (int j = 0; j < matrices[i].length; j++) {
        q.matrices[i][j] = fmt.reduce(matrices[i][j]);
      }
      for (int j = 0; j < biases[i].length; j++) {
        q.biases[i][j] = fmt.reduce(biases[i][j]);
      }
    }
    return q;
  }

  public Model model() {
    return model;
  }

  public FixedPointFormat format() {
    return model.format();
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

  /** A copy of layer {@code i}'s matrix, row-major, at {@code f} fractional bits. */
  public long[] matrix(int i) {
    requireLinear(i);
    return matrices[i].clone();
  }

  /** A copy of layer {@code i}'s bias, at {@code 2f} fractional bits. */
  public long[] bias(int i) {
    requireLinear(i);
    return biases[i].clone();
  }

  /** A copy of polynomial layer {@code i}'s coefficients at {@code f} bits, lowest first. */
  public long[] polynomial(int i) {
    if (polynomials[i] == null) {
      throw new IllegalArgumentException("layer " + i + " is not a polynomial");
    }
    return polynomials[i].clone();
  }

  long[] matrixView(int i) {
    return matrices[i];
  }

  long[] biasView(int i) {
    return biases[i];
  }

  long[] polynomialView(int i) {
    return polynomials[i];
  }

  private void requireLinear(int i) {
    if (matrices[i] == null) {
      throw new IllegalArgumentException("layer " + i + " (" + model.layers().get(i).kind()
          + ") is not linear");
    }
  }
}
