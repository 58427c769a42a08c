package dev.oml.he.inference.internal;

/**
 * The slot layout: {@code features} positions per image (a power of two at least the widest
 * vector), {@code lanes = slots / features} images per ciphertext, slot {@code f * lanes + b}
 * holds feature {@code f} of lane {@code b}. A rotation by {@code k * lanes} slots rotates
 * every lane's features by {@code k}, cyclically modulo {@code features}, which is what the
 * diagonal method needs, for all lanes at once.
 */
public record Layout(int slots, int features, int lanes) {
  public Layout {
    if (Integer.bitCount(slots) != 1 || Integer.bitCount(features) != 1 || features > slots
        || features * lanes != slots) {
      throw new IllegalArgumentException("inconsistent layout");
    }
  }

  /** The slot vector of up to {@code lanes} images. */
  public double[] pack(double[][] images, int from, int count, int inputSize) {
    double[] v = new double[slots];
    for (int b = 0; b < count; b++) {
      double[] x = images[from + b];
      for (int f = 0; f < inputSize; f++) {
        v[f * lanes + b] = x[f];
      }
    }
    return v;
  }
}
