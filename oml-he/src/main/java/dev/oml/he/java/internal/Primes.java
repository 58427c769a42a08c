package dev.oml.he.java.internal;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Deterministic generation of NTT-friendly primes {@code q = 1 mod 2n} below a bit bound. */
public final class Primes {
  private Primes() {}

  public static boolean isPrime(long q) {
    return q > 1 && BigInteger.valueOf(q).isProbablePrime(80);
  }

  /**
   * For each requested bit size, the largest unused prime below {@code 2^bits} that is
   * {@code 1 mod 2n}; deterministic so that parameter hashes agree between parties.
   */
  public static long[] nttPrimes(int n, int[] bitSizes, Set<Long> exclude) {
    Set<Long> used = new HashSet<>(exclude);
    List<Long> out = new ArrayList<>();
    long step = 2L * n;
    for (int bits : bitSizes) {
      if (bits < 14 || bits > 60) {
        throw new IllegalArgumentException("prime size " + bits + " outside [14, 60] bits");
      }
      long upper = 1L << bits;
      long cand = ((upper - 1) / step) * step + 1;
      if (cand >= upper) {
        cand -= step;
      }
      long lower = 1L << (bits - 1);
      boolean found = false;
      for (; cand > lower; cand -= step) {
        if (!used.contains(cand) && isPrime(cand)) {
          used.add(cand);
          out.add(cand);
          found = true;
          break;
        }
      }
      if (!found) {
        throw new IllegalArgumentException("not enough " + bits + "-bit primes for n = " + n);
      }
    }
    long[] r = new long[out.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = out.get(i);
    }
    return r;
  }
}
