package dev.oml.core.model;

/**
 * The shape of an activation: {@code channels x height x width}, stored row-major in that
 * order. A flat vector of length {@code n} is {@code (n, 1, 1)}.
 */
public record Shape(int channels, int height, int width) {
  /** Largest number of elements one activation may hold. */
  public static final int MAX_ELEMENTS = 1 << 24;

  public Shape {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException("shape " + channels + "x" + height + "x" + width
          + " has a dimension <= 0");
    }
    if ((long) channels * height * width > MAX_ELEMENTS) {
      throw new IllegalArgumentException("shape " + channels + "x" + height + "x" + width
          + " exceeds " + MAX_ELEMENTS + " elements");
    }
  }

  /** A flat vector of length {@code n}. */
  public static Shape vector(int n) {
    return new Shape(n, 1, 1);
  }

  /** Number of elements. */
  public int size() {
    return channels * height * width;
  }

  /** True for {@code (n, 1, 1)}. */
  public boolean isVector() {
    return height == 1 && width == 1;
  }

  @Override
  public String toString() {
    return isVector() ? "[" + channels + "]" : "[" + channels + "x" + height + "x" + width + "]";
  }
}
