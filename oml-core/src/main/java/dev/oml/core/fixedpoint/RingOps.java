package dev.oml.core.fixedpoint;

/**
 * Static operations over {@code Z_2^l} on raw {@code long[]} arrays, for hot paths. Every method
 * writes its result into the {@code out} argument (which it returns); when {@code out} is
 * {@code null} a new array is allocated. Inputs may be in any representation; outputs are
 * canonical, in {@code [0, 2^l)}.
 *
 * <p>Correctness rests on one fact: {@code 2^l} divides {@code 2^64}, so wrapping {@code long}
 * arithmetic followed by a mask computes exactly mod {@code 2^l}.
 */
public final class RingOps {
  private RingOps() {}

  private static long mask(int ringBits) {
    if (ringBits < 1 || ringBits > 63) {
      throw new IllegalArgumentException("ring width " + ringBits + " outside [1, 63]");
    }
    return (1L << ringBits) - 1;
  }

  private static long[] output(long[] out, int length) {
    if (out == null) {
      return new long[length];
    }
    if (out.length != length) {
      throw new IllegalArgumentException("output has length " + out.length + ", need " + length);
    }
    return out;
  }

  private static void sameLength(long[] a, long[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
    }
  }

  /** {@code out = a + b mod 2^l}; {@code out} may alias either input. */
  public static long[] add(int ringBits, long[] a, long[] b, long[] out) {
    long m = mask(ringBits);
    sameLength(a, b);
    long[] o = output(out, a.length);
    for (int i = 0; i < a.length; i++) {
      o[i] = (a[i] + b[i]) & m;
    }
    return o;
  }

  /** {@code out = a - b mod 2^l}; {@code out} may alias either input. */
  public static long[] subtract(int ringBits, long[] a, long[] b, long[] out) {
    long m = mask(ringBits);
    sameLength(a, b);
    long[] o = output(out, a.length);
    for (int i = 0; i < a.length; i++) {
      o[i] = (a[i] - b[i]) & m;
    }
    return o;
  }

  /** {@code out = -a mod 2^l}; {@code out} may alias {@code a}. */
  public static long[] negate(int ringBits, long[] a, long[] out) {
    long m = mask(ringBits);
    long[] o = output(out, a.length);
    for (int i = 0; i < a.length; i++) {
      o[i] = (-a[i]) & m;
    }
    return o;
  }

  /** Elementwise {@code out = a * b mod 2^l}; {@code out} may alias either input. */
  public static long[] multiply(int ringBits, long[] a, long[] b, long[] out) {
    long m = mask(ringBits);
    sameLength(a, b);
    long[] o = output(out, a.length);
    for (int i = 0; i < a.length; i++) {
      o[i] = (a[i] * b[i]) & m;
    }
    return o;
  }

  /**
   * Matrix-vector product {@code out = W x mod 2^l} with {@code W} row-major of size
   * {@code rows x cols}. {@code out} must not alias {@code x}.
   */
  public static long[] matVec(int ringBits, long[] w, int rows, int cols, long[] x, long[] out) {
    long m = mask(ringBits);
    if (w.length != (long) rows * cols) {
      throw new IllegalArgumentException(
          "matrix has " + w.length + " elements, expected " + rows + " x " + cols);
    }
    if (x.length != cols) {
      throw new IllegalArgumentException("vector has length " + x.length + ", expected " + cols);
    }
    long[] o = output(out, rows);
    if (o == x) {
      throw new IllegalArgumentException("out must not alias x");
    }
    for (int r = 0; r < rows; r++) {
      long acc = 0;
      int base = r * cols;
      for (int c = 0; c < cols; c++) {
        acc += w[base + c] * x[c];
      }
      o[r] = acc & m;
    }
    return o;
  }

  /**
   * Truncates every element by {@code format.fractionalBits()} with the semantics of
   * {@link FixedPointFormat#truncate(long)}; {@code out} may alias {@code a}.
   */
  public static long[] truncate(FixedPointFormat format, long[] a, long[] out) {
    long[] o = output(out, a.length);
    for (int i = 0; i < a.length; i++) {
      o[i] = format.truncate(a[i]);
    }
    return o;
  }
}
