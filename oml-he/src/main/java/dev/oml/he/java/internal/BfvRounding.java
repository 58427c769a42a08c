package dev.oml.he.java.internal;

import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * BFV decryption's scale-and-round {@code round(t x / Q_l) mod t} of a phase {@code x} given by
 * its residues modulo the data primes {@code q_0..q_l} (coefficient form), in word arithmetic.
 *
 * <p>With {@code y_i = [x_i t (Q_l/q_i)^-1]_{q_i}}, the sum {@code Y = sum y_i Q_l/q_i} is
 * {@code t x} modulo {@code Q_l} and equals {@code Q_l s} for {@code s = sum y_i / q_i}. For
 * {@code v = round(s)}, {@code r = Y - v Q_l} is the centered residue of {@code t x}, so
 * {@code round(t x / Q_l) = (t x - r) / Q_l} and, modulo {@code t} (coprime to {@code Q_l}),
 * {@code round(t x / Q_l) = v - sum y_i q_i^-1 mod t}. Only {@code v} needs more than residues:
 * it is taken from a double sum unless {@code s} lies within {@link #WINDOW} of a half-integer
 * (a coefficient whose noise is at the very edge of {@code Delta / 2}); there {@code 2 Y} is
 * compared exactly with the odd multiples of {@code Q_l} in 64-bit limbs. So every coefficient is
 * exact; {@link #roundReference} is the big-integer definition it is tested against and what the
 * decryptor uses where the word path does not apply ({@link #supports}).
 *
 * <p>Precision: {@code y_i < 2^61} and {@code 1 / q_i} are each rounded once to a double, the
 * product once more, so a term is off by at most {@code 3 * 2^-53}; {@code l + 1 <= }
 * {@value #MAX_PRIMES} additions of sums below {@value #MAX_PRIMES} add at most
 * {@code 2^-49} each: the computed {@code s} is within {@code 2^-44} of the true one, well inside
 * the window {@code 2^-40}.
 */
public final class BfvRounding {
  /** Most primes the double estimate is argued for (see the class comment). */
  static final int MAX_PRIMES = 16;
  private static final double WINDOW = 0x1p-40;

  private final long t;
  private final Modulus[] mods;
  private final BigInteger[] qAt;
  private final BigInteger[][] hatBig;
  private final long[][] hatInv;
  private final Modulus tMod;
  private final Level[] levels;

  /** Constants of one level {@code l}; null where the word path does not apply. */
  private static final class Level {
    final int count;
    final long[] w;
    final long[] ws;
    final double[] inv;
    final long[] c;
    final long[] cs;
    final int words;
    final long[][] hat;
    final long[][] oddMultiples;

    Level(Modulus[] mods, Modulus tMod, BigInteger q, int count) {
      this.count = count;
      long t = tMod.q;
      BigInteger bt = BigInteger.valueOf(t);
      w = new long[count];
      ws = new long[count];
      inv = new double[count];
      c = new long[count];
      cs = new long[count];
      hat = new long[count][];
      // 2 Y < 2 count Q: the limbs hold that and every odd multiple (2j - 1) Q, j <= count.
      words = (q.multiply(BigInteger.valueOf(2L * count)).bitLength() + 63) / 64;
      for (int i = 0; i < count; i++) {
        Modulus mi = mods[i];
        BigInteger h = q.divide(mi.big());
        long hatInv = mi.inv(h.mod(mi.big()).longValue());
        w[i] = mi.mul(mi.reduceUnsigned(t % mi.q), hatInv);
        ws[i] = mi.shoup(w[i]);
        inv[i] = 1.0 / mi.q;
        c[i] = mi.big().modInverse(bt).longValue();
        cs[i] = tMod.shoup(c[i]);
        hat[i] = limbs(h, words);
      }
      oddMultiples = new long[count][];
      for (int j = 1; j <= count; j++) {
        oddMultiples[j - 1] = limbs(q.multiply(BigInteger.valueOf(2L * j - 1)), words);
      }
    }
  }

  BfvRounding(Modulus[] mods, BigInteger[] qAt, long t) {
    this.t = t;
    this.mods = mods;
    this.qAt = qAt;
    boolean word = t >= 3 && t < (1L << 61);
    this.tMod = word ? new Modulus(t) : null;
    this.levels = new Level[qAt.length];
    this.hatBig = new BigInteger[qAt.length][];
    this.hatInv = new long[qAt.length][];
    BigInteger bt = BigInteger.valueOf(t);
    for (int l = 0; l < qAt.length; l++) {
      int count = l + 1;
      hatBig[l] = new BigInteger[count];
      hatInv[l] = new long[count];
      for (int i = 0; i < count; i++) {
        hatBig[l][i] = qAt[l].divide(mods[i].big());
        hatInv[l][i] = mods[i].inv(hatBig[l][i].mod(mods[i].big()).longValue());
      }
      if (word && count <= MAX_PRIMES && qAt[l].gcd(bt).equals(BigInteger.ONE)) {
        levels[l] = new Level(mods, tMod, qAt[l], count);
      }
    }
  }

  /**
   * The rounding of BFV parameters (for benchmarks and tests).
   *
   * @throws IllegalArgumentException if the parameters are not BFV
   */
  public static BfvRounding forParameters(HeParameters p) {
    if (p.scheme() != HeScheme.BFV) {
      throw new IllegalArgumentException("BFV parameters expected");
    }
    long[] primes = p.coeffModulus();
    Modulus[] mods = new Modulus[primes.length];
    BigInteger[] qAt = new BigInteger[primes.length];
    for (int i = 0; i < primes.length; i++) {
      mods[i] = new Modulus(primes[i]);
      qAt[i] = p.modulusAtLevel(i);
    }
    return new BfvRounding(mods, qAt, p.plainModulus());
  }

  /** Whether {@link #round} applies at {@code level}: {@code 3 <= t < 2^61}, coprime to Q. */
  public boolean supports(int level) {
    return levels[level] != null;
  }

  /**
   * {@code out[j] = round(t x_j / Q_level) mod t} for every coefficient {@code j}, or only at
   * {@code positions} when they are given (the rest of {@code out} is left alone).
   *
   * @param rows canonical residues, rows {@code 0..level}, coefficient form
   * @throws IllegalStateException if {@link #supports} is false at {@code level}
   */
  public void round(long[][] rows, int level, int[] positions, long[] out) {
    Level lv = levels[level];
    if (lv == null) {
      throw new IllegalStateException("no word-sized rounding at level " + level);
    }
    int cnt = lv.count;
    long[] y = new long[cnt];
    long[] wide = new long[lv.words];
    int total = positions == null ? out.length : positions.length;
    for (int p = 0; p < total; p++) {
      int j = positions == null ? p : positions[p];
      double s = 0;
      for (int i = 0; i < cnt; i++) {
        long yi = Modulus.mulShoup(rows[i][j], lv.w[i], lv.ws[i], mods[i].q);
        y[i] = yi;
        s += yi * lv.inv[i];
      }
      double frac = s - Math.floor(s);
      long v = Math.abs(frac - 0.5) < WINDOW ? exactRound(lv, y, wide) : (long) Math.floor(s + 0.5);
      long sum = 0;
      for (int i = 0; i < cnt; i++) {
        sum = tMod.add(sum, Modulus.mulShoup(y[i], lv.c[i], lv.cs[i], t));
      }
      out[j] = tMod.sub(v % t, sum);
    }
  }

  /** {@code round(Y / Q)} exactly: the number of odd multiples {@code (2j - 1) Q} below 2Y. */
  private static long exactRound(Level lv, long[] y, long[] acc) {
    Arrays.fill(acc, 0);
    for (int i = 0; i < lv.count; i++) {
      mulAdd(acc, lv.hat[i], y[i]);
    }
    // 2Y; the top bit is free by the choice of words.
    for (int k = acc.length - 1; k > 0; k--) {
      acc[k] = (acc[k] << 1) | (acc[k - 1] >>> 63);
    }
    acc[0] <<= 1;
    long v = 0;
    // Q is odd, so 2Y never equals an odd multiple of Q.
    while (v < lv.count && compare(acc, lv.oddMultiples[(int) v]) > 0) {
      v++;
    }
    return v;
  }

  /** {@code acc += a * y} over little-endian 64-bit limbs (no carry out by the caller's bound). */
  static void mulAdd(long[] acc, long[] a, long y) {
    long carry = 0;
    for (int k = 0; k < acc.length; k++) {
      long lo = a[k] * y;
      long hi = Modulus.umulhi(a[k], y);
      long s = acc[k] + lo;
      if (Long.compareUnsigned(s, lo) < 0) {
        hi++;
      }
      long s2 = s + carry;
      if (Long.compareUnsigned(s2, s) < 0) {
        hi++;
      }
      acc[k] = s2;
      carry = hi;
    }
  }

  /** Unsigned comparison of two little-endian limb arrays of one length. */
  static int compare(long[] a, long[] b) {
    for (int k = a.length - 1; k >= 0; k--) {
      int c = Long.compareUnsigned(a[k], b[k]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /** {@code x} as {@code words} little-endian 64-bit limbs ({@code x} fits). */
  static long[] limbs(BigInteger x, int words) {
    long[] r = new long[words];
    for (int k = 0; k < words; k++) {
      r[k] = x.shiftRight(64 * k).longValue();
    }
    return r;
  }

  /**
   * The definition, with big integers: the CRT lift {@code x} in {@code [0, Q_level)} of
   * coefficient {@code j}, then {@code floor((t x + floor(Q / 2)) / Q) mod t}. Any {@code t}.
   */
  public long roundReference(long[][] rows, int level, int j) {
    BigInteger q = qAt[level];
    BigInteger x = BigInteger.ZERO;
    for (int i = 0; i <= level; i++) {
      long v = mods[i].mul(rows[i][j], hatInv[level][i]);
      x = x.add(hatBig[level][i].multiply(BigInteger.valueOf(v)));
    }
    x = x.mod(q);
    BigInteger bt = BigInteger.valueOf(t);
    return x.multiply(bt).add(q.shiftRight(1)).divide(q).mod(bt).longValue();
  }
}
