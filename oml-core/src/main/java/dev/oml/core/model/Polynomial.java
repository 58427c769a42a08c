package dev.oml.core.model;

import java.util.Arrays;

/**
 * Elementwise polynomial activation {@code c0 + c1 x + ... + cd x^d}, for models trained with a
 * low-degree polynomial in place of ReLU. Degree 1 to 8.
 */
public final class Polynomial implements Layer {
  /** Largest degree accepted. */
  public static final int MAX_DEGREE = 8;

  private final double[] coefficients;

  /** @param coefficients {@code c0 .. cd}, lowest degree first; copied */
  public Polynomial(double[] coefficients) {
    if (coefficients.length < 2 || coefficients.length > MAX_DEGREE + 1) {
      throw new ModelValidationException("polynomial: degree must be in [1, " + MAX_DEGREE
          + "], got " + (coefficients.length - 1));
    }
    Parameters.requireFinite("polynomial", coefficients);
    this.coefficients = coefficients.clone();
  }

  /** A copy of the coefficients, lowest degree first. */
  public double[] coefficients() {
    return coefficients.clone();
  }

  public int degree() {
    return coefficients.length - 1;
  }

  @Override
  public String kind() {
    return "polynomial";
  }

  @Override
  public Shape outputShape(Shape input) {
    return input;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Polynomial p && Arrays.equals(p.coefficients, coefficients);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(coefficients);
  }

  @Override
  public String toString() {
    return "Polynomial" + Arrays.toString(coefficients);
  }
}
