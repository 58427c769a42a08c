package dev.oml.core.field;

import java.util.Arrays;

/**
 * Arithmetic in the prime field {@code F_p} of the tier-2 two-party protocol, with
 * {@code p = 2^46 - 9 * 2^16 + 1 = 70368743587841}. Elements are {@code long}s in
 * {@code [0, p)}; every operation takes and returns canonical residues.
 *
 * <p>Why this prime: it is the largest prime below {@code 2^46} with {@code p = 1 mod 2^16}.
 * About 46 bits leave a fixed-point value of 16 fractional bits and its product before
 * truncation (32 fractional bits) about 13 bits of integer headroom, and make one batched
 * MAC check sound except with probability {@code 2/(p - 1) < 2^-44} (see
 * {@link MacCheckVerifier}), above the 40 bits tier 2 needs without repetition.
 * The congruence {@code p = 1 mod 2^16} lets BFV use {@code p} as a batching plaintext modulus
 * for ring dimensions up to {@code 2^15}, which the tier-2 offline step (the licensee evaluating
 * on the owner's encrypted share) needs. Products of two elements stay below {@code 2^92}, so a
 * Barrett reduction with one {@link Math#multiplyHigh} per step reduces them exactly.
 *
 * <p>Vector operations follow EJML: the output argument is optional (null allocates), may alias
 * an input, and is the one argument modified.
 */
public final class PrimeField {
  /** The modulus. */
  public static final long P = 70368743587841L;
  /** Bits of {@code p}: every element has at most this many bits. */
  public static final int BITS = 46;
  // Barrett: mu = floor(2^92 / p) < 2^47; x < 2^92 is split as x = hi 2^64 + lo.
  private static final long MU = floorTwoPow92OverP();
  // p = 2^46 - C: 2^46 = C (mod p), the fold of reduce128.
  private static final long C = (1L << 46) - P;
  private static final long MASK46 = (1L << 46) - 1;
  // Terms of lazily reduced sums: each term is below 2^46, so 2^16 of them fit a long.
  private static final int LAZY = 1 << 16;

  private PrimeField() {}

  private static long floorTwoPow92OverP() {
    return java.math.BigInteger.ONE.shiftLeft(92).divide(java.math.BigInteger.valueOf(P))
        .longValueExact();
  }

  /** {@code x mod p} for any long, negative values included. */
  public static long reduce(long x) {
    long r = x % P;
    return r < 0 ? r + P : r;
  }

  /**
   * {@code (hi 2^64 + lo) mod p} for an unsigned 128-bit value; used to hash into the field and
   * to reduce 128-bit sums. No division: {@code p = 2^46 - C} with {@code C = 9 * 2^16 - 1 =
   * 589823 < 2^19.17}, so {@code 2^46 = C (mod p)} and a value folds by shifts, masks and small
   * products.
   *
   * <p>Exactness (all quantities nonnegative, {@code M = 2^46 - 1}):
   *
   * <ol>
   *   <li>{@code x = a0 + a1 2^46 + a2 2^92} with {@code a0, a1 < 2^46} and {@code a2 = hi >>> 28
   *       < 2^36}; so {@code x = a0 + 2^46 b (mod p)} with {@code b = a1 + C a2 < 2^46 + 2^55.17
   *       < 2^55.18} (a signed long).
   *   <li>{@code C b < 2^74.35}: as 128 bits {@code (yh, yl)} with one {@link Math#multiplyHigh}
   *       (both factors are positive longs). {@code y1 = C b >> 46 < 2^28.35}, {@code y0 = C b
   *       mod 2^46}; {@code 2^46 b = C b = y0 + C y1 (mod p)}.
   *   <li>{@code z = a0 + y0 + C y1 < 2^47 + 2^47.52 < 2^48.3}, so {@code z1 = z >>> 46 <= 4} and
   *       {@code w = (z & M) + C z1 < 2^46 + 4C}. Since {@code p = 2^46 - C}, {@code w < p + 5C
   *       < 2p}: one conditional subtraction of {@code p} gives the canonical residue.
   * </ol>
   */
  public static long reduce128(long lo, long hi) {
    long a0 = lo & MASK46;
    long a1 = ((lo >>> 46) | (hi << 18)) & MASK46;
    long b = a1 + C * (hi >>> 28);
    long yl = b * C;
    long yh = Math.multiplyHigh(b, C);
    long z = a0 + (yl & MASK46) + C * ((yh << 18) | (yl >>> 46));
    long w = (z & MASK46) + C * (z >>> 46);
    return w >= P ? w - P : w;
  }

  /** {@code a + b mod p}. */
  public static long add(long a, long b) {
    long s = a + b;
    return s >= P ? s - P : s;
  }

  /** {@code a - b mod p}. */
  public static long sub(long a, long b) {
    long s = a - b;
    return s < 0 ? s + P : s;
  }

  /** {@code -a mod p}. */
  public static long neg(long a) {
    return a == 0 ? 0 : P - a;
  }

  /** {@code a * b mod p}, by Barrett reduction of the 92-bit product. */
  public static long mul(long a, long b) {
    long lo = a * b;
    long hi = Math.multiplyHigh(a, b);
    long t = (hi << 19) | (lo >>> 45); // floor(x / 2^45) < 2^47
    long qlo = t * MU;
    long qhi = Math.multiplyHigh(t, MU);
    long q = (qhi << 17) | (qlo >>> 47); // floor(t * mu / 2^47), at most 2 below floor(x / p)
    long r = lo - q * P; // exact: the true difference is in [0, 3p)
    if (r >= P) {
      r -= P;
    }
    if (r >= P) {
      r -= P;
    }
    return r;
  }

  /** {@code a^e mod p} for {@code e >= 0}. */
  public static long pow(long a, long e) {
    long r = 1;
    long b = a;
    while (e > 0) {
      if ((e & 1) != 0) {
        r = mul(r, b);
      }
      b = mul(b, b);
      e >>>= 1;
    }
    return r;
  }

  /**
   * The inverse of {@code a}, by Fermat.
   *
   * @throws ArithmeticException if {@code a = 0}
   */
  public static long inv(long a) {
    if (a == 0) {
      throw new ArithmeticException("0 has no inverse in F_p");
    }
    return pow(a, P - 2);
  }

  /** True if {@code x} is a canonical element, {@code 0 <= x < p}. */
  public static boolean isCanonical(long x) {
    return x >= 0 && x < P;
  }

  private static long[] out(long[] out, int n) {
    if (out == null) {
      return new long[n];
    }
    if (out.length != n) {
      throw new IllegalArgumentException("output has length " + out.length + ", expected " + n);
    }
    return out;
  }

  private static void same(long[] a, long[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("vector lengths differ: " + a.length + " and "
          + b.length);
    }
  }

  /** {@code out = a + b}; returns {@code out}, allocated if null. */
  public static long[] add(long[] a, long[] b, long[] out) {
    same(a, b);
    long[] o = out(out, a.length);
    for (int i = 0; i < a.length; i++) {
      o[i] = add(a[i], b[i]);
    }
    return o;
  }

  /** {@code out = a - b}; returns {@code out}, allocated if null. */
  public static long[] sub(long[] a, long[] b, long[] out) {
    same(a, b);
    long[] o = out(out, a.length);
    for (int i = 0; i < a.length; i++) {
      o[i] = sub(a[i], b[i]);
    }
    return o;
  }

  /** {@code out = c * a} for a scalar {@code c}; returns {@code out}, allocated if null. */
  public static long[] scale(long c, long[] a, long[] out) {
    long[] o = out(out, a.length);
    for (int i = 0; i < a.length; i++) {
      o[i] = mul(c, a[i]);
    }
    return o;
  }

  /** {@code out = a + c * b}; returns {@code out}, allocated if null. */
  public static long[] addScaled(long[] a, long c, long[] b, long[] out) {
    same(a, b);
    long[] o = out(out, a.length);
    for (int i = 0; i < a.length; i++) {
      o[i] = add(a[i], mul(c, b[i]));
    }
    return o;
  }

  /** {@code out = a + c} elementwise for a scalar {@code c}; returns {@code out}. */
  public static long[] addConstant(long[] a, long c, long[] out) {
    long[] o = out(out, a.length);
    for (int i = 0; i < a.length; i++) {
      o[i] = add(a[i], c);
    }
    return o;
  }

  /** The inner product {@code sum_i a_i b_i}. */
  public static long dot(long[] a, long[] b) {
    same(a, b);
    return dot(a, 0, b, 0, a.length);
  }

  // The unreduced products (each below 2^92) summed in 128 bits, reduced once per 2^16 terms
  // (the sum stays below 2^108): a product costs two multiplications and an add with carry
  // instead of a Barrett reduction.
  private static long dot(long[] a, int aOff, long[] b, int bOff, int n) {
    long acc = 0;
    int i = 0;
    while (i < n) {
      int end = Math.min(n, i + LAZY);
      long lo = 0;
      long hi = 0;
      for (; i < end; i++) {
        long x = a[aOff + i];
        long y = b[bOff + i];
        long pl = x * y;
        long s = lo + pl;
        hi += Math.multiplyHigh(x, y) + (Long.compareUnsigned(s, pl) < 0 ? 1 : 0);
        lo = s;
      }
      acc = add(acc, reduce128(lo, hi));
    }
    return acc;
  }

  /**
   * {@code out = A x} for a row-major {@code rows x x.length} matrix {@code A}; returns
   * {@code out}, allocated if null. {@code out} must not alias {@code x}.
   */
  public static long[] matVec(long[] a, int rows, long[] x, long[] out) {
    int cols = x.length;
    if (a.length != (long) rows * cols) {
      throw new IllegalArgumentException("matrix has " + a.length + " entries, expected "
          + rows + " x " + cols);
    }
    long[] o = out(out, rows);
    if (o == x) {
      throw new IllegalArgumentException("out must not alias x");
    }
    for (int r = 0; r < rows; r++) {
      o[r] = dot(a, r * cols, x, 0, cols);
    }
    return o;
  }

  /**
   * {@code out = s^T A}, the row vector of a row-major {@code s.length x cols} matrix combined by
   * {@code s}; returns {@code out}, allocated if null.
   */
  public static long[] vecMat(long[] s, long[] a, int cols, long[] out) {
    int rows = s.length;
    if (a.length != (long) rows * cols) {
      throw new IllegalArgumentException("matrix has " + a.length + " entries, expected "
          + rows + " x " + cols);
    }
    long[] o = out(out, cols);
    if (o == s) {
      throw new IllegalArgumentException("out must not alias s");
    }
    // as in dot: the unreduced products summed per column in 128 bits, reduced once per
    // LAZY rows
    long[] lo = new long[cols];
    long[] hi = new long[cols];
    long[] acc = new long[cols];
    int r = 0;
    while (r < rows) {
      int end = Math.min(rows, r + LAZY);
      for (; r < end; r++) {
        long c = s[r];
        int base = r * cols;
        for (int j = 0; j < cols; j++) {
          long y = a[base + j];
          long pl = c * y;
          long sum = lo[j] + pl;
          hi[j] += Math.multiplyHigh(c, y) + (Long.compareUnsigned(sum, pl) < 0 ? 1 : 0);
          lo[j] = sum;
        }
      }
      for (int j = 0; j < cols; j++) {
        acc[j] = add(acc[j], reduce128(lo[j], hi[j]));
        lo[j] = 0;
        hi[j] = 0;
      }
    }
    System.arraycopy(acc, 0, o, 0, cols);
    return o;
  }

  /**
   * Checks that every entry is canonical.
   *
   * @throws FieldElementException naming {@code what} and the first bad index otherwise
   */
  public static void requireCanonical(long[] v, String what) {
    for (int i = 0; i < v.length; i++) {
      if (!isCanonical(v[i])) {
        throw new FieldElementException(what + ": entry " + i + " is not an element of F_p"
            + " (expected 0 <= x < " + P + ")");
      }
    }
  }
}
