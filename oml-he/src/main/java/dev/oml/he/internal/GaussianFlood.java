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
 *
 * <p>Above {@code 2^48} ({@link #sampleWide}) a value is drawn in two parts,
 * {@code 2^45 round(sigmaHigh * g1) + round(2^48 g2)} with
 * {@code 2^90 sigmaHigh^2 + 2^96 = sigma^2}: both parts are drawn as above, and the low part's
 * standard deviation is 8 times the high part's step {@code 2^45}, so it smooths that step
 * (Poisson summation; the deviation is about {@code e^(-2 pi^2 64)}): the sum is a rounding of
 * a Gaussian of variance {@code sigma^2} plus an independent uniform of width {@code 2^45}, and
 * adding independent noise is post-processing, which cannot widen the Gaussian's statistical
 * distance.
 */
public final class GaussianFlood {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Largest standard deviation drawn as one rounded Gaussian. */
  public static final double FINE_SIGMA = 0x1p48;
  /** The high part's step in {@link #sampleWide}: {@code value = high * 2^WIDE_SHIFT + low}. */
  public static final int WIDE_SHIFT = 45;

  private GaussianFlood() {}

  /** {@code n} rounded Gaussians of standard deviation {@code sigma}. */
  public static long[] sample(int n, double sigma) {
    if (!(sigma >= 1 && sigma <= FINE_SIGMA) || n < 1) {
      throw new IllegalArgumentException("sigma in [1, 2^48] and n >= 1 required");
    }
    long[] r = new long[n];
    for (int i = 0; i < n; i++) {
      r[i] = Math.round(sigma * RANDOM.nextGaussian());
    }
    return r;
  }

  /**
   * {@code n} values of standard deviation {@code sigma} in {@code (2^48, 2^93]}, in two parts:
   * value {@code i} is {@code r[0][i] * 2^WIDE_SHIFT + r[1][i]}.
   */
  public static long[][] sampleWide(int n, double sigma) {
    if (!(sigma > FINE_SIGMA && sigma <= FloodingBudget.MAX_GAUSSIAN_SIGMA) || n < 1) {
      throw new IllegalArgumentException("sigma in (2^48, 2^93] and n >= 1 required");
    }
    double high = Math.sqrt((sigma - FINE_SIGMA) * (sigma + FINE_SIGMA))
        / Math.scalb(1.0, WIDE_SHIFT);
    long[][] r = new long[2][n];
    for (int i = 0; i < n; i++) {
      r[0][i] = Math.round(high * RANDOM.nextGaussian());
      r[1][i] = Math.round(FINE_SIGMA * RANDOM.nextGaussian());
    }
    return r;
  }
}
