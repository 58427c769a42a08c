package dev.oml.he.inference.internal;

import dev.oml.he.internal.PreciseCkksEncoding;

/**
 * How far the decrypted outputs are from the exact ones before flooding, per output slot. Each
 * noise source (fresh encryption, encoding, rescaling, key switching) is modelled as independent
 * coefficient errors with the standard deviations below; a slot's real part then has standard
 * deviation {@code sigma_coeff * sqrt(N / 2)}. Variances are carried through the layers (a
 * linear layer by its largest squared row norm, an activation by its derivative at the
 * magnitude of its input) and the result is {@link #TAIL} standard deviations.
 *
 * <p>What the activations' inputs are decides what the figure is. With their worst case over the
 * plan's input box (what the planner sizes the flood with) it is a bound in the data and a tail
 * bound in the randomness; with the calibration inputs' root mean square it is the estimate the
 * plan reports beside the bound (for the HE network about 2^13 times smaller). Sources are
 * treated as independent; the protocol tests check every answer against the bound.
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

  /**
   * Slot error of encoding a value (of magnitude about one) at {@code scale}: the rounding of
   * the coefficients, and the precision of the canonical embedding's FFT and of the product by
   * the scale: {@link #doubleFloor} below {@code 2^62}, where the rounding mostly hides it, and
   * the double-double encoding's {@link PreciseCkksEncoding#RELATIVE_ERROR} from there on. Both
   * are treated as independent noise, as every other source.
   */
  static double encoding(int n, double scale) {
    double floor = scale >= PreciseCkksEncoding.MIN_SCALE ? PreciseCkksEncoding.RELATIVE_ERROR
        : doubleFloor(n);
    return TAIL * Math.hypot(Math.sqrt(n / 24.0) / scale, floor);
  }

  /**
   * Relative error, as a standard deviation, of a value encoded in double precision:
   * {@code 2^-53} per butterfly stage of the FFT ({@code log2 N}) and per product.
   */
  static double doubleFloor(int n) {
    return Math.scalb(1.0, -53) * (Integer.numberOfTrailingZeros(n) + 2);
  }

  /**
   * Output slot error of {@code program} on a fresh input at {@code inputScale}: {@link #TAIL}
   * standard deviations of the accumulated error, whose variance is carried through the steps.
   * {@code rms[i]} and {@code max[i]} are the root mean square and the bound of the values
   * entering step {@code i}: an error {@code e} on an input {@code h} of an activation becomes
   * {@code p'(h) e}, whose spread follows {@code h}'s, so gains use the root mean square; a
   * linear layer's rows combine independent input errors by their Euclidean norms.
   */
  public static double outputError(HeProgram program, int n, double inputScale, long[] primes,
      long special, double[] rms, double[] max) {
    return TAIL * Math.sqrt(outputVariances(program, n, inputScale, primes, special, rms, max)[0]);
  }

  /**
   * The variances behind {@link #outputError}: {@code [0]} of an output slot's error (real
   * part), {@code [1]} of a slot the last layer masks to zero, which sees only the noise its
   * own step adds (the zero rows multiply the incoming error by zero). The rows packing encodes
   * its constants, so only the root mean squares enter; {@code max} is read by the batch walk.
   */
  public static double[] outputVariances(HeProgram program, int n, double inputScale,
      long[] primes, long special, double[] rms, double[] max) {
    Sources src = new Sources(n, primes, special);
    double var = src.fresh(inputScale);
    if (program.realProjection()) {
      // x + conj(x): two copies of the input noise and one key switch, then halved.
      var = var + src.keySwitch(primes.length - 1, inputScale) / 4;
    }
    double scale = inputScale;
    int level = primes.length - 1;
    // A two-prime step divides by both primes; the first rounding is then divided by the
    // second prime, so the step's rounding is the second's, as for one prime.
    int perLevel = program.primesPerLevel();
    int i = 0;
    double added = var;
    for (Object o : program.steps()) {
      double xr = rms[i++];
      if (o instanceof LinearStep st) {
        double q = HeProgram.dropScale(primes, level, perLevel);
        double ks = src.keySwitch(level, scale);
        int chunks = st.last ? 1 : st.dIn / st.dOut;
        double perChunk = st.numDiagonals * src.encoding(q) * xr * xr
            + st.giant * src.keySwitch(level, scale * q)
            + src.rounding(scale);
        added = chunks * perChunk
            + st.sumSteps.length * chunks * src.keySwitch(level - perLevel, scale)
            + src.encoding(scale);
        var = Weights.of(st).norm2() * (var + (st.baby > 1 ? ks : 0.0)) + added;
        level -= perLevel;
      } else {
        ActivationStep a = (ActivationStep) o;
        double gain = gain(a, xr);
        var = gain * gain * var + a.depth * a.c.length * src.product(level, scale)
            + src.encoding(scale);
        level -= a.depth * perLevel;
      }
    }
    return new double[] {var, added};
  }

  /**
   * The variances of {@link #outputVariances} for the batch packing's evaluation order (two
   * images per slot, {@link HeProgram#evaluateBatch}), per real and imaginary part alike, in
   * units of the true values (a ciphertext that holds {@code g} times its values after a
   * separation has its noise divided by {@code g}; the noise the step itself adds is not, which
   * overstates it). A hidden dense layer is a sum of ciphertext-times-constant products (each
   * weight divided by {@code g} and rounded to a multiple of {@code 1/q}: a deterministic error
   * of at most {@code cols * (g/2q + |w| 2^-52) * max|x|}, taken whole, as if it were
   * {@code TAIL} standard deviations), the rescale's rounding and the bias's encoding; no
   * rotation. An activation first separates a slot's two images with one conjugation: each
   * separated value carries the input noise plus a quarter of the key switch's, and the product
   * by {@code i} moves the second image's imaginary noise (a quarter of the key switch's, times
   * the gain) into the recombined real part, so the input variance is {@code v + k/2} before
   * the gain; both images' activations add their own noise to every part (twice one
   * activation's). The last layer adds two masked sums (each with one encoding per input, and
   * for a full query the constants' rounding instead), two rescales and the key switch of the
   * conjugation in {@code z1 + conj(z2)}. {@code [1]}: the variance a masked slot sees.
   */
  public static double[] batchOutputVariances(HeProgram program, int n, double inputScale,
      long[] primes, long special, double[] rms, double[] max) {
    Sources src = new Sources(n, primes, special);
    double var = src.fresh(inputScale);
    double scale = inputScale;
    int level = primes.length - 1;
    int i = 0;
    double added = var;
    double factor = 1.0;
    for (Object o : program.steps()) {
      double xr = rms[i];
      double xm = max[i++];
      if (o instanceof LinearStep st) {
        Weights w = Weights.of(st);
        double q = primes[level];
        double constants = sq(st.cols * (0.5 * factor / q + w.maxAbs() * 0x1p-52) * xm / TAIL);
        if (st.last) {
          double encoded = st.cols * src.encoding(q) * sq(factor * xr);
          added = 2 * (Math.max(encoded, constants) + src.rounding(scale))
              + src.keySwitch(level - 1, scale)
              + src.encoding(scale);
        } else {
          added = constants + src.rounding(scale) + src.encoding(scale);
        }
        var = w.norm2() * var + added;
        level--;
        factor = 1.0;
      } else {
        ActivationStep a = (ActivationStep) o;
        double gain = gain(a, xr);
        double conj = src.keySwitch(level, scale);
        var = gain * gain * (var + conj / 2)
            + 2 * (a.depth * a.c.length * src.product(level, scale) + src.encoding(scale));
        level -= a.depth;
        factor = a.square ? 4 * factor * factor : 1.0;
      }
    }
    return new double[] {var, added};
  }

  /**
   * The noise sources of one ring and modulus chain as variances (one standard deviation
   * squared: the slot errors above over {@link #TAIL}, squared), which both walks add up.
   */
  private record Sources(int n, double maxPrime, long special) {
    Sources(int n, long[] primes, long special) {
      this(n, largest(primes), special);
    }

    private static double largest(long[] primes) {
      double m = 0;
      for (long p : primes) {
        m = Math.max(m, p);
      }
      return m;
    }

    double fresh(double scale) {
      return sq(NoiseEstimate.fresh(n, scale) / TAIL);
    }

    double rounding(double scale) {
      return sq(NoiseEstimate.rounding(n, scale) / TAIL);
    }

    double encoding(double scale) {
      return sq(NoiseEstimate.encoding(n, scale) / TAIL);
    }

    double keySwitch(int level, double scale) {
      return sq(NoiseEstimate.keySwitch(n, level, maxPrime, special, scale) / TAIL);
    }

    /** One ciphertext product of an activation: its relinearization and its rescale. */
    double product(int level, double scale) {
      return keySwitch(level, scale * scale) + rounding(scale);
    }
  }

  /** A linear step's weights: the largest squared row norm and the largest magnitude. */
  private record Weights(double norm2, double maxAbs) {
    static Weights of(LinearStep st) {
      double norm2 = 0;
      double maxAbs = 0;
      for (int r = 0; r < st.rows; r++) {
        double s = 0;
        for (int c = 0; c < st.cols; c++) {
          double a = st.a[r * st.cols + c];
          s += a * a;
          maxAbs = Math.max(maxAbs, Math.abs(a));
        }
        norm2 = Math.max(norm2, s);
      }
      return new Weights(norm2, maxAbs);
    }
  }

  /**
   * An activation's gain on an incoming error: {@code |p'|} at the magnitude {@code xr} of its
   * input, term by term ({@code sum_k |c_k| k xr^(k-1)}).
   */
  private static double gain(ActivationStep a, double xr) {
    double gain = 0;
    for (int k = 1; k < a.c.length; k++) {
      gain += Math.abs(a.c[k]) * k * Math.pow(k == 1 ? 1.0 : xr, k - 1);
    }
    return gain;
  }

  private static double sq(double x) {
    return x * x;
  }
}
