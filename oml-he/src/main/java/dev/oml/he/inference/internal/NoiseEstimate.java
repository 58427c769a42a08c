package dev.oml.he.inference.internal;

/**
 * A high-probability estimate of how far the decrypted outputs are from the exact ones before
 * flooding, in absolute value per output slot. Each source is modelled as a sum of independent
 * coefficient errors with the standard deviations below; a slot's real part then has standard
 * deviation {@code sigma_coeff * sqrt(N / 2)}, and {@link #TAIL} standard deviations bound it
 * (a Gaussian tail of about {@code 2^-70}). Errors are carried through the layers with the
 * worst-case gains of each step: the largest row norm {@code ||A||_inf} of a linear layer and
 * {@code sum_k |c_k| k X^(k-1)} of an activation on inputs bounded by {@code X}.
 *
 * <p>This is an estimate, not a proof: {@code X} comes from calibration data (the owner's
 * plaintext run, with a margin), and the noise sources are treated as independent. A test
 * compares it with the error a key holder measures.
 */
public final class NoiseEstimate {
  /** Standard deviations that bound a slot's error. */
  public static final double TAIL = 10.0;
  /** Standard deviation of the centered binomial noise with eta = 21. */
  static final double SIGMA = Math.sqrt(21.0 / 2.0);

  private NoiseEstimate() {}

  /** Slot error of a fresh public-key encryption at {@code scale}. */
  public static double fresh(int n, double scale) {
    double coeff = SIGMA * Math.sqrt(1.0 + 4.0 * n / 3.0);
    double encode = Math.sqrt(1.0 / 12.0);
    return TAIL * Math.hypot(coeff, encode) * Math.sqrt(n / 2.0) / scale;
  }

  /** Slot error of rounding (rescale, the division by the special prime) at {@code scale}. */
  static double rounding(int n, double scale) {
    return TAIL * Math.sqrt((1.0 + 2.0 * n / 3.0) / 12.0) * Math.sqrt(n / 2.0) / scale;
  }

  /** Slot error of one key switch at {@code level} and {@code scale}. */
  static double keySwitch(int n, int level, double maxPrime, double special, double scale) {
    double digits = SIGMA * (maxPrime / special) * Math.sqrt((level + 1) * n / 12.0);
    return TAIL * Math.hypot(digits, Math.sqrt((1.0 + 2.0 * n / 3.0) / 12.0)) * Math.sqrt(n / 2.0)
        / scale;
  }

  /** Slot error of encoding a value at {@code scale}. */
  static double encoding(int n, double scale) {
    return TAIL * Math.sqrt(n / 24.0) / scale;
  }

  /**
   * Output slot error of {@code program} on a fresh input at {@code inputScale}; {@code bounds[i]}
   * bounds the absolute values entering step {@code i}.
   */
  public static double outputError(HeProgram program, int n, double inputScale, long[] primes,
      long special, double[] bounds) {
    double maxPrime = 0;
    for (long p : primes) {
      maxPrime = Math.max(maxPrime, p);
    }
    double e = fresh(n, inputScale);
    double scale = inputScale;
    int level = primes.length - 1;
    int i = 0;
    for (Object o : program.steps()) {
      double x = bounds[i++];
      if (o instanceof LinearStep st) {
        double norm = 0;
        for (int r = 0; r < st.rows; r++) {
          double s = 0;
          for (int c = 0; c < st.cols; c++) {
            s += Math.abs(st.a[r * st.cols + c]);
          }
          norm = Math.max(norm, s);
        }
        double q = primes[level];
        double ks = keySwitch(n, level, maxPrime, special, scale);
        int chunks = st.last ? 1 : st.dIn / st.dOut;
        double perChunk = st.numDiagonals * encoding(n, q) * x
            + st.giant * keySwitch(n, level, maxPrime, special, scale * q) / 1.0
            + rounding(n, scale);
        e = norm * (e + (st.baby > 1 ? ks : 0.0)) + chunks * perChunk
            + st.sumSteps.length * chunks * keySwitch(n, level - 1, maxPrime, special, scale)
            + encoding(n, scale);
        level--;
      } else {
        ActivationStep a = (ActivationStep) o;
        double gain = 0;
        for (int k = 1; k < a.c.length; k++) {
          gain += Math.abs(a.c[k]) * k * Math.pow(x, k - 1);
        }
        double ks = keySwitch(n, level, maxPrime, special, scale * scale);
        e = gain * e + e * e * Math.abs(a.c[a.c.length - 1]) + a.depth * (ks + rounding(n, scale))
            * (a.c.length) + encoding(n, scale);
        level -= a.depth;
      }
    }
    return e;
  }
}
