package dev.oml.core.model;

import java.util.Arrays;

/**
 * The input domain a model declares: per-feature bounds {@code lower[i] <= x[i] <= upper[i]}
 * (for example {@code [0, 1]} for every pixel of the bundled Fashion-MNIST models). Modes whose
 * privacy argument depends on the range of the inputs (the HE mode sizes its flooding for the
 * worst case over this box) carry it in their plans and refuse inputs outside it. Immutable;
 * bounds are finite and {@code lower <= upper}.
 */
public final class InputBox {
  private final double[] lower;
  private final double[] upper;

  private InputBox(double[] lower, double[] upper) {
    this.lower = lower;
    this.upper = upper;
  }

  /**
   * Per-feature bounds.
   *
   * @throws ModelValidationException if the arrays differ in length, are empty, hold a
   *     non-finite bound or a lower bound above its upper bound
   */
  public static InputBox of(double[] lower, double[] upper) {
    if (lower.length != upper.length || lower.length == 0) {
      throw new ModelValidationException("input box needs as many lower as upper bounds, at least "
          + "one: has " + lower.length + " and " + upper.length);
    }
    for (int i = 0; i < lower.length; i++) {
      if (!Double.isFinite(lower[i]) || !Double.isFinite(upper[i]) || lower[i] > upper[i]) {
        throw new ModelValidationException("input box feature " + i + ": [" + lower[i] + ", "
            + upper[i] + "] is not a finite interval");
      }
    }
    return new InputBox(lower.clone(), upper.clone());
  }

  /** The same interval {@code [lower, upper]} for each of {@code size} features. */
  public static InputBox uniform(int size, double lower, double upper) {
    if (size < 1) {
      throw new ModelValidationException("input box needs at least one feature");
    }
    double[] lo = new double[size];
    double[] hi = new double[size];
    Arrays.fill(lo, lower);
    Arrays.fill(hi, upper);
    return of(lo, hi);
  }

  public int size() {
    return lower.length;
  }

  public double lower(int i) {
    return lower[i];
  }

  public double upper(int i) {
    return upper[i];
  }

  /** True if every feature has the same interval (encoded compactly in model files). */
  public boolean isUniform() {
    for (int i = 1; i < lower.length; i++) {
      if (lower[i] != lower[0] || upper[i] != upper[0]) {
        return false;
      }
    }
    return true;
  }

  /**
   * The index of the first feature of {@code x} outside the box (NaN counts as outside), or
   * {@code -1} if {@code x} lies in it; a vector of another length is outside at index
   * {@code min(x.length, size())}.
   */
  public int firstViolation(double[] x) {
    int n = Math.min(x.length, lower.length);
    for (int i = 0; i < n; i++) {
      if (!(x[i] >= lower[i] && x[i] <= upper[i])) {
        return i;
      }
    }
    return x.length == lower.length ? -1 : n;
  }

  public boolean contains(double[] x) {
    return firstViolation(x) < 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InputBox b && Arrays.equals(b.lower, lower) && Arrays.equals(b.upper, upper);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(lower) + Arrays.hashCode(upper);
  }

  @Override
  public String toString() {
    return isUniform() ? "InputBox[" + lower.length + " x [" + lower[0] + ", " + upper[0] + "]]"
        : "InputBox[" + lower.length + " per-feature intervals]";
  }
}
