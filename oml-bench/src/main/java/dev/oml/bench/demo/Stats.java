package dev.oml.bench.demo;

import java.util.Arrays;

/**
 * The spread of one measured quantity over its samples (times in milliseconds, in this
 * package): count, median, 95th percentile, minimum, maximum and mean. The percentile is the
 * nearest-rank one (the smallest sample with at least 95 % of the samples at or below it), so it
 * is always a measured value and never below the median; with fewer than 20 samples it is the
 * maximum, which is why {@code n} travels with it.
 */
public record Stats(int n, double median, double p95, double min, double max, double mean) {

  /**
   * The statistics of {@code samples}.
   *
   * @throws IllegalArgumentException if there is no sample or one is not finite
   */
  public static Stats of(double... samples) {
    if (samples.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    double[] s = samples.clone();
    Arrays.sort(s);
    double sum = 0;
    for (double x : s) {
      if (!Double.isFinite(x)) {
        throw new IllegalArgumentException("a sample is not finite: " + x);
      }
      sum += x;
    }
    int n = s.length;
    double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    double p95 = s[(int) Math.ceil(0.95 * n) - 1];
    return new Stats(n, median, p95, s[0], s[n - 1], sum / n);
  }

  /** Every figure divided by {@code d} (for example per query to per image); {@code n} stays. */
  public Stats dividedBy(double d) {
    return new Stats(n, median / d, p95 / d, min / d, max / d, mean / d);
  }
}
