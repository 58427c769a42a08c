package dev.oml.he.internal;

import dev.oml.he.FloodingBudget;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

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

  /** Most draws held ahead ({@link #drawAhead}); more are not drawn. */
  static final int MOST_AHEAD = 4;

  /** A draw made ahead: the values of {@link #sample} (one part) or {@link #sampleWide}. */
  private record Ahead(int n, double sigma, long[][] parts) {}

  /** Draws made ahead, each handed out once (removal from this queue is the claim). */
  private static final ConcurrentLinkedQueue<Ahead> AHEAD = new ConcurrentLinkedQueue<>();

  private GaussianFlood() {}

  /**
   * Draws the noise of one {@link #sample} or {@link #sampleWide} call for {@code n} and
   * {@code sigma} on {@code executor} (for one image's second thread, while the evaluation that
   * the noise will flood runs on the first): the next such call takes it instead of drawing,
   * and no other call ever sees it. Does nothing when {@link #MOST_AHEAD} draws are already
   * waiting; a call that finds none ready draws its own, so the caller never waits for this.
   */
  public static void drawAhead(int n, double sigma, Executor executor) {
    boolean wide = sigma > FINE_SIGMA;
    // The arguments are checked here, on the caller's thread, as the call itself would.
    if (wide) {
      wideDeviations(sigma, n);
    } else {
      fineCheck(n, sigma);
    }
    if (AHEAD.size() >= MOST_AHEAD) {
      return;
    }
    try {
      executor.execute(() -> {
        if (AHEAD.size() < MOST_AHEAD) {
          AHEAD.add(new Ahead(n, sigma, wide ? drawWide(n, sigma) : new long[][] {draw(n, sigma)}));
        }
      });
    } catch (RejectedExecutionException e) {
      // No thread to spare: the call draws its own.
    }
  }

  /** Draws made ahead and not yet taken (for tests). */
  static int ahead() {
    return AHEAD.size();
  }

  /** Forgets every draw made ahead (for tests). */
  static void forgetAhead() {
    AHEAD.clear();
  }

  /** Draws made ahead for {@code n} and {@code sigma} and not yet taken (for tests). */
  static int ahead(int n, double sigma) {
    int k = 0;
    for (Ahead a : AHEAD) {
      k += a.n == n && a.sigma == sigma ? 1 : 0;
    }
    return k;
  }

  private static long[][] takeAhead(int n, double sigma) {
    for (Ahead a : AHEAD) {
      if (a.n == n && a.sigma == sigma && AHEAD.remove(a)) {
        return a.parts;
      }
    }
    return null;
  }

  private static void fineCheck(int n, double sigma) {
    if (!(sigma >= 1 && sigma <= FINE_SIGMA) || n < 1) {
      throw new IllegalArgumentException("sigma in [1, 2^48] and n >= 1 required");
    }
  }

  /** {@code n} rounded Gaussians of standard deviation {@code sigma}. */
  public static long[] sample(int n, double sigma) {
    fineCheck(n, sigma);
    long[][] a = takeAhead(n, sigma);
    return a != null ? a[0] : draw(n, sigma);
  }

  private static long[] draw(int n, double sigma) {
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
    wideDeviations(sigma, n);
    long[][] a = takeAhead(n, sigma);
    return a != null ? a : drawWide(n, sigma);
  }

  private static long[][] drawWide(int n, double sigma) {
    java.util.List<Double> sd = wideDeviations(sigma, n);
    long[][] r = new long[sd.size()][n];
    for (int t = 0; t < r.length; t++) {
      double st = sd.get(t);
      for (int i = 0; i < n; i++) {
        r[t][i] = Math.round(st * RANDOM.nextGaussian());
      }
    }
    return r;
  }

  /** The parts' standard deviations of {@link #sampleWide}, most significant first. */
  private static java.util.List<Double> wideDeviations(double sigma, int n) {
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
    return sd;
  }
}
