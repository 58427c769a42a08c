package dev.oml.core.model;

/**
 * Any linear layer written as a dense matrix-vector product {@code y = A x + b}, with {@code A}
 * of size {@code rows x cols} row-major over the flattened (channel, row, column) activations.
 * Dense layers are their own form; a convolution becomes the matrix of its im2col product
 * (entries are copies of the kernel weights, zeros elsewhere); average pooling gets entries
 * {@code 1 / kernel^2} and no bias.
 *
 * <p>Every inference path (float, fixed point, HE, 2PC) evaluates linear layers through this
 * one form, so they agree on layout by construction.
 */
public final class LinearForm {
  /** Largest matrix accepted, in entries. */
  public static final long MAX_ENTRIES = 1L << 26;

  private final int rows;
  private final int cols;
  private final double[] matrix;
  private final double[] bias;

  private LinearForm(int rows, int cols, double[] matrix, double[] bias) {
    this.rows = rows;
    this.cols = cols;
    this.matrix = matrix;
    this.bias = bias;
  }

  /**
   * The linear form of {@code layer} applied to input shape {@code input}.
   *
   * @throws IllegalArgumentException if the layer is not linear
   * @throws ModelValidationException if the matrix would exceed {@link #MAX_ENTRIES}
   */
  public static LinearForm of(Layer layer, Shape input) {
    Shape out = layer.outputShape(input);
    long entries = (long) out.size() * input.size();
    if (entries > MAX_ENTRIES) {
      throw new ModelValidationException(layer.kind() + " on " + input + " expands to " + entries
          + " matrix entries, more than " + MAX_ENTRIES);
    }
    if (layer instanceof Dense d) {
      return new LinearForm(d.outputs(), d.inputs(), d.weights(), d.bias());
    } else if (layer instanceof Conv2D c) {
      double[] a = new double[(int) entries];
      double[] b = new double[out.size()];
      int cols = input.size();
      int k = c.kernel();
      for (int oc = 0; oc < out.channels(); oc++) {
        for (int oy = 0; oy < out.height(); oy++) {
          for (int ox = 0; ox < out.width(); ox++) {
            int row = (oc * out.height() + oy) * out.width() + ox;
            b[row] = c.bias(oc);
            for (int ic = 0; ic < c.inChannels(); ic++) {
              for (int ky = 0; ky < k; ky++) {
                int iy = oy * c.stride() - c.padding() + ky;
                if (iy < 0 || iy >= input.height()) {
                  continue;
                }
                for (int kx = 0; kx < k; kx++) {
                  int ix = ox * c.stride() - c.padding() + kx;
                  if (ix < 0 || ix >= input.width()) {
                    continue;
                  }
                  int col = (ic * input.height() + iy) * input.width() + ix;
                  a[row * cols + col] = c.weight(oc, ic, ky, kx);
                }
              }
            }
          }
        }
      }
      return new LinearForm(out.size(), cols, a, b);
    } else if (layer instanceof AvgPool2D p) {
      double[] a = new double[(int) entries];
      int cols = input.size();
      double w = 1.0 / ((double) p.kernel() * p.kernel());
      for (int ch = 0; ch < out.channels(); ch++) {
        for (int oy = 0; oy < out.height(); oy++) {
          for (int ox = 0; ox < out.width(); ox++) {
            int row = (ch * out.height() + oy) * out.width() + ox;
            for (int ky = 0; ky < p.kernel(); ky++) {
              for (int kx = 0; kx < p.kernel(); kx++) {
                int col = (ch * input.height() + oy * p.stride() + ky) * input.width()
                    + ox * p.stride() + kx;
                a[row * cols + col] = w;
              }
            }
          }
        }
      }
      return new LinearForm(out.size(), cols, a, new double[out.size()]);
    }
    throw new IllegalArgumentException(layer.kind() + " is not a linear layer");
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** A copy of the row-major matrix. */
  public double[] matrix() {
    return matrix.clone();
  }

  /** A copy of the bias (zeros for pooling). */
  public double[] bias() {
    return bias.clone();
  }

  /** One matrix entry, without copying. */
  public double entry(int row, int col) {
    return matrix[row * cols + col];
  }
}
