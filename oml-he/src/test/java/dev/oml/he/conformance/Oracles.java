package dev.oml.he.conformance;

/** Independent plaintext oracles the homomorphic results are compared against. */
public final class Oracles {
  private Oracles() {}

  /** Negacyclic product of two length-n polynomials modulo t (t <= 2^62), schoolbook. */
  public static long[] negacyclicMod(long[] a, long[] b, long t) {
    int n = a.length;
    java.math.BigInteger[] acc = new java.math.BigInteger[n];
    java.util.Arrays.fill(acc, java.math.BigInteger.ZERO);
    for (int i = 0; i < n; i++) {
      if (a[i] == 0) {
        continue;
      }
      java.math.BigInteger ai = java.math.BigInteger.valueOf(a[i]);
      for (int j = 0; j < n; j++) {
        if (b[j] == 0) {
          continue;
        }
        java.math.BigInteger p = ai.multiply(java.math.BigInteger.valueOf(b[j]));
        int k = i + j;
        if (k < n) {
          acc[k] = acc[k].add(p);
        } else {
          acc[k - n] = acc[k - n].subtract(p);
        }
      }
    }
    long[] r = new long[n];
    java.math.BigInteger bt = java.math.BigInteger.valueOf(t);
    for (int i = 0; i < n; i++) {
      r[i] = acc[i].mod(bt).longValue();
    }
    return r;
  }

  /** {@code W r - s mod 2^l}, row by row, with wrapping long arithmetic (2^l divides 2^64). */
  public static long[] matVecMinusMask(long[][] w, long[] r, long[] s, int l) {
    long mask = l == 64 ? -1L : (1L << l) - 1;
    long[] y = new long[w.length];
    for (int i = 0; i < w.length; i++) {
      long acc = 0;
      for (int j = 0; j < r.length; j++) {
        acc += w[i][j] * r[j];
      }
      y[i] = (acc - s[i]) & mask;
    }
    return y;
  }

  /** Left rotation of each half of a batching slot vector (the 2 x N/2 matrix rows). */
  public static long[] rotateRows(long[] v, int steps) {
    int half = v.length / 2;
    long[] r = new long[v.length];
    for (int row = 0; row < 2; row++) {
      for (int i = 0; i < half; i++) {
        r[row * half + i] = v[row * half + Math.floorMod(i + steps, half)];
      }
    }
    return r;
  }
}
