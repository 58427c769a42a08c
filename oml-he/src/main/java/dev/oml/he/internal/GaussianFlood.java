package dev.oml.he.internal;

import dev.oml.he.FloodingBudget;
import java.security.SecureRandom;

/**
 * Draws the Gaussian flooding noise of a {@link FloodingBudget#isGaussian() Gaussian budget}:
 * {@code n} independent values {@code round(sigma * g)}, {@code g} standard normal from the JDK's
 * {@link SecureRandom} (its polar method on 53-bit uniform doubles). Both backends flood with
 * these values, so the distribution the security note analyses is the same on each. For
 * {@code sigma <= 2^48} consecutive values of {@code sigma * g} are less than one apart, so the
 * rounding sees a fine enough distribution.
 */
public final class GaussianFlood {
  private static final SecureRandom RANDOM = new SecureRandom();

  private GaussianFlood() {}

  /** {@code n} rounded Gaussians of standard deviation {@code sigma}. */
  public static long[] sample(int n, double sigma) {
    if (!(sigma >= 1 && sigma <= FloodingBudget.MAX_GAUSSIAN_SIGMA) || n < 1) {
      throw new IllegalArgumentException("sigma in [1, 2^48] and n >= 1 required");
    }
    long[] r = new long[n];
    for (int i = 0; i < n; i++) {
      r[i] = Math.round(sigma * RANDOM.nextGaussian());
    }
    return r;
  }
}
