package dev.oml.core.fixedpoint;

import java.util.Arrays;

/**
 * An immutable tensor over {@code Z_2^l}: a shape and ring elements in canonical form
 * {@code [0, 2^l)}, row-major (for images: channel, row, column). The data are copied on the way
 * in and out; hot paths use {@link RingOps} over raw {@code long[]} arrays instead.
 *
 * <p>Equality compares ring width, shape and elements; it is not constant-time, so do not use it
 * to compare secret shares where timing matters.
 */
public final class RingTensor {
  private final int ringBits;
  private final int[] shape;
  private final long[] data;

  private RingTensor(int ringBits, int[] shape, long[] data) {
    this.ringBits = ringBits;
    this.shape = shape;
    this.data = data;
  }

  /**
   * Wraps a copy of {@code data} (reduced mod {@code 2^l}) with the given shape.
   *
   * @throws IllegalArgumentException if the shape's size does not match the data's length
   */
  public static RingTensor of(int ringBits, int[] shape, long[] data) {
    if (ringBits < 1 || ringBits > 63) {
      throw new IllegalArgumentException("ring width " + ringBits + " outside [1, 63]");
    }
    int[] s = shape.clone();
    long size = 1;
    for (int d : s) {
      if (d <= 0) {
        throw new IllegalArgumentException("shape " + Arrays.toString(s) + " has a dimension <= 0");
      }
      size *= d;
    }
    if (size != data.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(s) + " holds " + size + " elements, data has " + data.length);
    }
    long mask = (1L << ringBits) - 1;
    long[] copy = new long[data.length];
    for (int i = 0; i < copy.length; i++) {
      copy[i] = data[i] & mask;
    }
    return new RingTensor(ringBits, s, copy);
  }

  /** Encodes real values at the format's {@code f} fractional bits. */
  public static RingTensor encode(FixedPointFormat format, int[] shape, double[] values) {
    long[] v = new long[values.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = format.encode(values[i]);
    }
    return of(format.ringBits(), shape, v);
  }

  /** Decodes every element at the format's {@code f} fractional bits. */
  public double[] decode(FixedPointFormat format) {
    requireRing(format.ringBits());
    double[] out = new double[data.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = format.decode(data[i]);
    }
    return out;
  }

  public int ringBits() {
    return ringBits;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int size() {
    return data.length;
  }

  /** The element at flat index {@code i}. */
  public long get(int i) {
    return data[i];
  }

  /** A copy of the elements. */
  public long[] toArray() {
    return data.clone();
  }

  /** Elementwise sum mod {@code 2^l}. */
  public RingTensor add(RingTensor other) {
    requireSameLayout(other);
    long[] out = new long[data.length];
    RingOps.add(ringBits, data, other.data, out);
    return new RingTensor(ringBits, shape, out);
  }

  /** Elementwise difference mod {@code 2^l}. */
  public RingTensor subtract(RingTensor other) {
    requireSameLayout(other);
    long[] out = new long[data.length];
    RingOps.subtract(ringBits, data, other.data, out);
    return new RingTensor(ringBits, shape, out);
  }

  /** Elementwise negation mod {@code 2^l}. */
  public RingTensor negate() {
    long[] out = new long[data.length];
    RingOps.negate(ringBits, data, out);
    return new RingTensor(ringBits, shape, out);
  }

  private void requireRing(int bits) {
    if (bits != ringBits) {
      throw new IllegalArgumentException("tensor is over Z_2^" + ringBits + ", format over Z_2^" + bits);
    }
  }

  private void requireSameLayout(RingTensor other) {
    requireRing(other.ringBits);
    if (!Arrays.equals(shape, other.shape)) {
      throw new IllegalArgumentException(
          "shapes differ: " + Arrays.toString(shape) + " vs " + Arrays.toString(other.shape));
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RingTensor t
        && t.ringBits == ringBits
        && Arrays.equals(t.shape, shape)
        && Arrays.equals(t.data, data);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * ringBits + Arrays.hashCode(shape)) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "RingTensor(Z_2^" + ringBits + ", shape " + Arrays.toString(shape) + ")";
  }
}
