package dev.oml.he.inference.internal;

import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.Evaluator;
import dev.oml.he.Plaintext;
import dev.oml.he.RelinKeys;

/**
 * An elementwise polynomial activation {@code c0 + c1 x + ... + cd x^d} (the square is
 * {@code 0 + 0 x + 1 x^2}, evaluated as one product). Powers come from a product tree (depth
 * {@code ceil(log2 d)}), each term is multiplied by its coefficient with a plaintext scale chosen
 * so that all terms land on the same level and scale, and the constant is added last: depth
 * {@code ceil(log2 d) + 1}, or 1 for the plain square.
 */
public final class ActivationStep {
  final double[] c;
  final boolean square;
  final int depth;
  /** Primes each of its levels drops. */
  final int primesPerLevel;

  ActivationStep(double[] coefficients) {
    this(coefficients, 1);
  }

  ActivationStep(double[] coefficients, int primesPerLevel) {
    this(coefficients, primesPerLevel, true);
  }

  private ActivationStep(double[] coefficients, int primesPerLevel, boolean mayBeSquare) {
    this.primesPerLevel = primesPerLevel;
    this.c = coefficients.clone();
    int d = c.length - 1;
    this.square = mayBeSquare && d == 2 && c[0] == 0.0 && c[1] == 0.0 && c[2] == 1.0;
    int log = 0;
    while ((1 << log) < d) {
      log++;
    }
    this.depth = square ? 1 : log + 1;
  }

  /**
   * The activation of {@code s x}: coefficients {@code c_k s^k}, for an input that holds
   * {@code x / s} (the batch packing's separated images are twice their values). Same depth.
   */
  ActivationStep ofScaledInput(double s) {
    double[] k = c.clone();
    double p = 1.0;
    for (int i = 0; i < k.length; i++) {
      k[i] *= p;
      p *= s;
    }
    // the depth stays the original's even if the scaled coefficients happen to be x^2
    return new ActivationStep(k, primesPerLevel, square);
  }

  static int levelsFor(int degree) {
    int log = 0;
    while ((1 << log) < degree) {
      log++;
    }
    return log + 1;
  }

  Ciphertext apply(Ciphertext x, CkksEncoder enc, Evaluator ev, RelinKeys rk, long[] primes,
      int slots) {
    if (square) {
      return HeProgram.rescale(ev, ev.multiplyAndRelinearize(x, x, rk), primesPerLevel);
    }
    int d = c.length - 1;
    Ciphertext[] pw = new Ciphertext[d + 1];
    pw[1] = x;
    for (int k = 2; k <= d; k++) {
      Ciphertext u = pw[(k + 1) / 2];
      Ciphertext v = pw[k / 2];
      int lvl = Math.min(u.level(), v.level());
      u = drop(u, lvl, enc, ev, primes, slots);
      v = drop(v, lvl, enc, ev, primes, slots);
      pw[k] = HeProgram.rescale(ev, ev.multiplyAndRelinearize(u, v, rk), primesPerLevel);
    }
    int target = x.level() - depth * primesPerLevel;
    // The scale of the highest term, reached with scale-preserving steps, is the common target.
    double targetScale = x.scale();
    Ciphertext acc = null;
    for (int k = 1; k <= d; k++) {
      if (c[k] == 0.0) {
        continue;
      }
      Ciphertext t = toLevel(pw[k], c[k], target, targetScale, enc, ev, primes, slots);
      acc = acc == null ? t : ev.add(acc, t);
    }
    if (acc == null) {
      acc = toLevel(x, 0.0, target, targetScale, enc, ev, primes, slots);
    }
    double[] c0 = new double[slots];
    java.util.Arrays.fill(c0, c[0]);
    return ev.addPlain(acc, enc.encode(c0, new double[0], acc.scale(), acc.level()));
  }

  /** Multiplies by one, scale-preserving, until {@code level}. */
  private Ciphertext drop(Ciphertext x, int level, CkksEncoder enc, Evaluator ev,
      long[] primes, int slots) {
    int k = primesPerLevel;
    while (x.level() > level) {
      x = HeProgram.rescale(ev, ev.multiplyPlain(x, constant(1.0,
          HeProgram.dropScale(primes, x.level(), k), x.level(), enc, slots)), k);
    }
    return x;
  }

  /** {@code coef * x} at {@code level} with scale exactly {@code scale}. */
  private Ciphertext toLevel(Ciphertext x, double coef, int level, double scale,
      CkksEncoder enc, Evaluator ev, long[] primes, int slots) {
    int k = primesPerLevel;
    x = drop(x, level + k, enc, ev, primes, slots);
    double q = HeProgram.dropScale(primes, x.level(), k);
    double plainScale = scale * q / x.scale();
    return HeProgram.rescale(ev, ev.multiplyPlain(x, constant(coef, plainScale, x.level(), enc,
        slots)), k);
  }

  private static Plaintext constant(double v, double scale, int level, CkksEncoder enc, int slots) {
    double[] a = new double[slots];
    java.util.Arrays.fill(a, v);
    return enc.encode(a, new double[0], scale, level);
  }
}
