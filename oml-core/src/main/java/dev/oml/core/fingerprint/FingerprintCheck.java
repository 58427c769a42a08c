package dev.oml.core.fingerprint;

import dev.oml.core.model.Model;
import dev.oml.core.reference.FloatInference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Checks a suspect model against the fingerprints of every licensee: it queries the suspect
 * with each licensee's key inputs, counts the answers that equal the keys' labels, and computes
 * the p-value of that many matches or more by chance. Under the null hypothesis (the suspect
 * is not that licensee's copy, nor made from it) the labels are uniform and independent of the
 * suspect, whatever the suspect is, so the number of matches is exactly binomial {@code (K,
 * 1/classes)}: the p-value is the binomial upper tail, computed in log space. The check names
 * the licensee with the smallest p-value only if it is below the threshold ({@link
 * #DEFAULT_THRESHOLD_LOG2}: {@code 2^-40}); otherwise it names none.
 *
 * <p>The suspect may be a model file ({@link #of(Model)}) or a black box: any function from
 * input to label ({@link Suspect}), such as a remote API.
 */
public final class FingerprintCheck {
  /** The default threshold, as a base-2 logarithm: a licensee is named only below 2^-40. */
  public static final double DEFAULT_THRESHOLD_LOG2 = -40;

  private FingerprintCheck() {}

  /** A suspect seen as a black box: an input in the model's input box, its predicted label. */
  @FunctionalInterface
  public interface Suspect {
    /** The label the suspect gives {@code input}; a value outside the classes never matches. */
    int label(double[] input);
  }

  /** One licensee's line of a report. */
  public record Row(String licenseeHex, String modelName, int matches, int count, double log2PValue) {
    /** The p-value itself (0 once it is below what a double holds, about 2^-1074). */
    public double pValue() {
      return Math.pow(2, log2PValue);
    }
  }

  /**
   * The outcome: one row per licensee checked, in the order given, the threshold, and the
   * licensee named ({@code null} if none: see {@link #named()}).
   */
  public record Report(List<Row> rows, double thresholdLog2, Row identified) {
    public Report {
      rows = List.copyOf(rows);
    }

    /** True if some licensee was named. */
    public boolean named() {
      return identified != null;
    }
  }

  /** A model (an {@code .omlm} or imported file) as a suspect, run by the float reference. */
  public static Suspect of(Model model) {
    FloatInference fl = new FloatInference(model);
    return fl::label;
  }

  /**
   * Queries {@code suspect} with every licensee's fingerprints.
   *
   * @param thresholdLog2 a licensee is named only if {@code log2(p) < thresholdLog2}, in
   *     {@code [-1000, 0)}
   * @throws FingerprintException if the threshold is out of range or there are no keys
   */
  public static Report check(Suspect suspect, List<FingerprintKeys> licensees, double thresholdLog2) {
    Objects.requireNonNull(suspect, "suspect");
    if (!(thresholdLog2 >= -1000 && thresholdLog2 < 0)) {
      throw new FingerprintException("the threshold must be 2^t with t in [-1000, 0), got t = " + thresholdLog2);
    }
    if (licensees.isEmpty()) {
      throw new FingerprintException("no licensee to check against: the owner has no key shares");
    }
    List<Row> rows = new ArrayList<>();
    Row best = null;
    for (FingerprintKeys keys : licensees) {
      int m = 0;
      for (int i = 0; i < keys.count(); i++) {
        // A copy of the key input goes to the suspect: a black box may write into its argument,
        // and the keys must come out of the check as they went in.
        if (suspect.label(keys.input(i, dev.oml.core.keys.SecretAccess.get())) == keys.labelUnsafe(i)) {
          m++;
        }
      }
      Row r = new Row(keys.licensee().hex(), keys.modelName(), m, keys.count(),
          log2BinomialTail(keys.count(), m, 1.0 / keys.classes()));
      rows.add(r);
      if (r.log2PValue() < thresholdLog2 && (best == null || r.log2PValue() < best.log2PValue())) {
        best = r;
      }
    }
    return new Report(rows, thresholdLog2, best);
  }

  /**
   * {@code log2 P(X >= m)} for {@code X ~ Binomial(n, p)}: each term {@code C(n,j) p^j
   * (1-p)^(n-j)} in natural logs, summed with the log-sum-exp of the largest, so tails far below
   * what a double holds (2^-1074) still compare correctly with the threshold.
   */
  public static double log2BinomialTail(int n, int m, double p) {
    if (n < 0 || m < 0 || m > n + 1 || !(p > 0 && p < 1)) {
      throw new IllegalArgumentException("binomial tail needs 0 <= m <= n and 0 < p < 1");
    }
    if (m == 0) {
      return 0;
    }
    if (m > n) {
      return Double.NEGATIVE_INFINITY;
    }
    double[] logs = new double[n - m + 1];
    double logChoose = 0;
    for (int j = 1; j <= m; j++) {
      logChoose += Math.log(n - j + 1) - Math.log(j);
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int j = m; j <= n; j++) {
      if (j > m) {
        logChoose += Math.log(n - j + 1) - Math.log(j);
      }
      logs[j - m] = logChoose + j * Math.log(p) + (n - j) * Math.log1p(-p);
      max = Math.max(max, logs[j - m]);
    }
    double sum = 0;
    for (double l : logs) {
      sum += Math.exp(l - max);
    }
    return Math.min(0, (max + Math.log(sum)) / Math.log(2));
  }

  /** The fewest matches out of {@code n} whose p-value is below {@code 2^thresholdLog2}. */
  public static int matchesNeeded(int n, int classes, double thresholdLog2) {
    for (int m = 0; m <= n; m++) {
      if (log2BinomialTail(n, m, 1.0 / classes) < thresholdLog2) {
        return m;
      }
    }
    return n + 1;
  }
}
