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
 * <p>Above {@code 2^48} ({@link #sampleWide}) a value is drawn in parts,
 * {@code 2^45 H + round(2^48 g)} with {@code H} drawn the same way at standard deviation
 * {@code sqrt(sigma^2 - 2^96) / 2^45} (one rounded Gaussian once that is at most {@code 2^48}):
 * every part is drawn as above, and each low part's standard deviation is 8 times the step
 * {@code 2^45} of the part above it, so it smooths that step (Poisson summation; the deviation
 * is about {@code e^(-2 pi^2 64)} per step): the sum is a rounding of a Gaussian of variance
 * {@code sigma^2} plus independent uniforms of width at most {@code 2^45} times a step, and
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
   * {@code n} values of standard deviation {@code sigma} in {@code (2^48, 2^183]}, in parts,
   * most significant first: value {@code i} is {@code sum_t r[t][i] * 2^(WIDE_SHIFT (k-1-t))}
   * for {@code k = r.length} parts (2 up to {@code 2^93}, one more per 45 bits).
   */
  public static long[][] sampleWide(int n, double sigma) {
    if (!(sigma > FINE_SIGMA && sigma <= FloodingBudget.MAX_GAUSSIAN_SIGMA) || n < 1) {
      throw new IllegalArgumentException("sigma in (2^48, 2^183] and n >= 1 required");
    }
    java.util.List<Double> sd = new java.util.ArrayList<>();
    double s = sigma;
    while (s > FINE_SIGMA) {
      sd.add(0, FINE_SIGMA);
      s = Math.sqrt((s - FINE_SIGMA) * (s + FINE_SIGMA)) / Math.scalb(1.0, WIDE_SHIFT);
    }
    sd.add(0, s);
    long[][] r = new long[sd.size()][n];
    for (int t = 0; t < r.length; t++) {
      double st = sd.get(t);
      for (int i = 0; i < n; i++) {
        r[t][i] = Math.round(st * RANDOM.nextGaussian());
      }
    }
    return r;
  }
}
