package dev.oml.he.java.internal;

import java.math.BigInteger;

/**
 * One word-sized prime modulus {@code q < 2^61} with the precomputation for Barrett reduction of
 * 128-bit products ({@code floor(2^128 / q)}) and helpers for Shoup multiplication by a fixed
 * operand. Values are kept canonical in {@code [0, q)}; every method assumes canonical inputs
 * unless it says otherwise.
 */
public final class Modulus {
  private static final BigInteger TWO_128 = BigInteger.ONE.shiftLeft(128);

  /** The prime. */
  public final long q;
  /** Bit length of {@link #q}. */
  public final int bits;
  private final long ratioLo;
  private final long ratioHi;

  public Modulus(long q) {
    if (q < 3 || q >= (1L << 61)) {
      throw new IllegalArgumentException("modulus outside [3, 2^61)");
    }
    this.q = q;
    this.bits = 64 - Long.numberOfLeadingZeros(q);
    BigInteger r = TWO_128.divide(BigInteger.valueOf(q));
    this.ratioLo = r.longValue();
    this.ratioHi = r.shiftRight(64).longValue();
  }

  /** Unsigned high word of the 128-bit product of two unsigned 64-bit words. */
  public static long umulhi(long a, long b) {
    return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
  }

  /**
   * Barrett reduction of the 128-bit value {@code hi * 2^64 + lo}, valid for inputs below
   * {@code q^2 * 4}; this is the base-2^64 variant SEAL uses, which needs only word products.
   */
  public long reduce128(long hi, long lo) {
    long carry = umulhi(lo, ratioLo);
    long t2lo = lo * ratioHi;
    long t2hi = umulhi(lo, ratioHi);
    long tmp1 = t2lo + carry;
    long tmp3 = t2hi + (Long.compareUnsigned(tmp1, carry) < 0 ? 1 : 0);
    t2lo = hi * ratioLo;
    t2hi = umulhi(hi, ratioLo);
    long sum = tmp1 + t2lo;
    carry = t2hi + (Long.compareUnsigned(sum, tmp1) < 0 ? 1 : 0);
    tmp1 = hi * ratioHi + tmp3 + carry;
    long r = lo - tmp1 * q;
    return r >= q ? r - q : r;
  }

  /**
   * Barrett reduction of any 128-bit value {@code hi * 2^64 + lo} (unsigned): the quotient
   * estimate of {@link #reduce128} is then at most two below the true one, so two corrections.
   * Used where sums of many products are reduced once.
   */
  public long reduceWide(long hi, long lo) {
    long carry = umulhi(lo, ratioLo);
    long t2lo = lo * ratioHi;
    long t2hi = umulhi(lo, ratioHi);
    long tmp1 = t2lo + carry;
    long tmp3 = t2hi + (Long.compareUnsigned(tmp1, carry) < 0 ? 1 : 0);
    t2lo = hi * ratioLo;
    t2hi = umulhi(hi, ratioLo);
    long sum = tmp1 + t2lo;
    carry = t2hi + (Long.compareUnsigned(sum, tmp1) < 0 ? 1 : 0);
    tmp1 = hi * ratioHi + tmp3 + carry;
    long r = lo - tmp1 * q;
    r = r >= q ? r - q : r;
    return r >= q ? r - q : r;
  }

  /** {@code a * b mod q}. */
  public long mul(long a, long b) {
    return reduce128(umulhi(a, b), a * b);
  }

  public long add(long a, long b) {
    long s = a + b;
    return s >= q ? s - q : s;
  }

  public long sub(long a, long b) {
    long d = a - b;
    return d < 0 ? d + q : d;
  }

  public long neg(long a) {
    return a == 0 ? 0 : q - a;
  }

  /** Any signed word to its canonical residue; small values avoid the division. */
  public long reduce(long x) {
    if (x >= 0) {
      return x < q ? x : reduceUnsigned(x);
    }
    if (x >= -q) {
      return x + q;
    }
    long r = x % q;
    return r < 0 ? r + q : r;
  }

  /** Any unsigned word to its canonical residue (Barrett when {@code q >= 2^32}, so x < q^2). */
  public long reduceUnsigned(long x) {
    if (Long.compareUnsigned(x, q) < 0) {
      return x;
    }
    return bits > 32 ? reduce128(0, x) : Long.remainderUnsigned(x, q);
  }

  /** Canonical residue to the centered representative in {@code (-q/2, q/2]}. */
  public long center(long a) {
    return a > (q >>> 1) ? a - q : a;
  }

  public long pow(long base, long exp) {
    long result = 1;
    long b = base;
    long e = exp;
    while (e > 0) {
      if ((e & 1) != 0) {
        result = mul(result, b);
      }
      b = mul(b, b);
      e >>>= 1;
    }
    return result;
  }

  /** Inverse of a nonzero residue (q is prime). */
  public long inv(long a) {
    if (a == 0) {
      throw new ArithmeticException("zero has no inverse");
    }
    return pow(a, q - 2);
  }

  /**
   * Shoup companion {@code floor(w * 2^64 / q)} of a fixed operand {@code w < q}: estimated
   * from {@code floor(2^128 / q)} (at most two below), then corrected by the remainder.
   */
  public long shoup(long w) {
    long est = w * ratioHi + umulhi(w, ratioLo);
    long rem = -(est * q);
    while (rem >= q) {
      rem -= q;
      est++;
    }
    return est;
  }

  /** {@code a * w mod q} for a fixed {@code w} with Shoup companion {@code ws}; {@code a < 2^63}. */
  public static long mulShoup(long a, long w, long ws, long q) {
    long hi = Math.multiplyHigh(a, ws) + ((ws >> 63) & a);
    long r = a * w - hi * q;
    return r >= q ? r - q : r;
  }

  public BigInteger big() {
    return BigInteger.valueOf(q);
  }
}
