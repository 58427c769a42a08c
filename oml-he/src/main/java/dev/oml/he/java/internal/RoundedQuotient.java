package dev.oml.he.java.internal;

/**
 * {@code round(a * b / t)} for a fixed divisor {@code t} in {@code [2, 2^61)} and
 * {@code a, b < t}, exactly and without big integers: the 128-bit numerator
 * {@code N = a b + floor(t / 2)}, its remainder {@code r} modulo {@code t} by Barrett reduction,
 * then the exact quotient {@code (N - r) / t} as {@code ((N - r) >> e) * u^-1 mod 2^64} where
 * {@code t = 2^e u} with {@code u} odd. The quotient is below {@code t < 2^64}, so its low word
 * is the whole of it. BFV's encoding {@code round(Q m / t)} needs it per coefficient.
 */
final class RoundedQuotient {
  private final long t;
  private final long half;
  private final Modulus mod;
  private final int shift;
  private final long oddInverse;

  RoundedQuotient(long t) {
    if (t < 2 || t >= (1L << 61)) {
      throw new IllegalArgumentException("divisor outside [2, 2^61)");
    }
    this.t = t;
    this.half = t >>> 1;
    this.mod = t >= 3 ? new Modulus(t) : null;
    this.shift = Long.numberOfTrailingZeros(t);
    this.oddInverse = inverseModTwo64(t >>> shift);
  }

  /** {@code round(a * b / t)}, halves rounded up; {@code a, b} in {@code [0, t)}. */
  long of(long a, long b) {
    long lo = a * b;
    long hi = Modulus.umulhi(a, b);
    long n = lo + half;
    if (Long.compareUnsigned(n, lo) < 0) {
      hi++;
    }
    long r = mod == null ? n & 1 : mod.reduceWide(hi, n);
    long d = n - r;
    if (Long.compareUnsigned(n, r) < 0) {
      hi--;
    }
    if (shift > 0) {
      d = (d >>> shift) | (hi << (64 - shift));
    }
    return d * oddInverse;
  }

  /** Inverse of an odd word modulo {@code 2^64} (Newton: each step doubles the correct bits). */
  static long inverseModTwo64(long a) {
    long x = a;
    for (int i = 0; i < 6; i++) {
      x *= 2 - a * x;
    }
    return x;
  }
}
