package dev.oml.he.java.internal;

/**
 * Precomputed twiddles for the negacyclic number-theoretic transform of length {@code n} modulo
 * one prime {@code q = 1 mod 2n}: powers of a primitive {@code 2n}-th root {@code psi} in
 * bit-reversed order with their Shoup companions, so that each butterfly costs two word
 * multiplications. After {@link #forward}, index {@code i} holds the evaluation at
 * {@code psi^(2 * bitrev(i) + 1)}; products of transformed polynomials are pointwise.
 */
public final class NttTable {
  final int n;
  final int logN;
  final Modulus mod;
  final long psi;
  private final long[] psiRev;
  private final long[] psiRevShoup;
  private final long[] psiInvRev;
  private final long[] psiInvRevShoup;
  private final long nInv;
  private final long nInvShoup;

  public NttTable(int n, Modulus mod) {
    if (Integer.bitCount(n) != 1 || n < 2) {
      throw new IllegalArgumentException("length must be a power of two");
    }
    if ((mod.q - 1) % (2L * n) != 0) {
      throw new IllegalArgumentException("prime is not 1 mod 2n");
    }
    this.n = n;
    this.logN = Integer.numberOfTrailingZeros(n);
    this.mod = mod;
    this.psi = minimalPrimitiveRoot(n, mod);
    long psiInv = mod.inv(psi);
    psiRev = new long[n];
    psiRevShoup = new long[n];
    psiInvRev = new long[n];
    psiInvRevShoup = new long[n];
    long p = 1;
    long pi = 1;
    for (int i = 0; i < n; i++) {
      int r = bitReverse(i, logN);
      psiRev[r] = p;
      psiInvRev[r] = pi;
      p = mod.mul(p, psi);
      pi = mod.mul(pi, psiInv);
    }
    for (int i = 0; i < n; i++) {
      psiRevShoup[i] = mod.shoup(psiRev[i]);
      psiInvRevShoup[i] = mod.shoup(psiInvRev[i]);
    }
    nInv = mod.inv(n % mod.q);
    nInvShoup = mod.shoup(nInv);
  }

  /** The smallest primitive 2n-th root of unity, so tables are reproducible across runs. */
  static long minimalPrimitiveRoot(int n, Modulus mod) {
    long exp = (mod.q - 1) / (2L * n);
    for (long x = 2; x < mod.q; x++) {
      long cand = mod.pow(x, exp);
      if (mod.pow(cand, n) == mod.q - 1) {
        // cand is a primitive 2n-th root; take the minimal one among its odd powers.
        long best = cand;
        long sq = mod.mul(cand, cand);
        long cur = cand;
        for (int i = 0; i < n; i++) {
          if (cur < best) {
            best = cur;
          }
          cur = mod.mul(cur, sq);
        }
        return best;
      }
    }
    throw new IllegalStateException("no primitive root");
  }

  static int bitReverse(int x, int bits) {
    return bits == 0 ? 0 : Integer.reverse(x) >>> (32 - bits);
  }

  public int length() {
    return n;
  }

  public Modulus modulus() {
    return mod;
  }

  /**
   * In-place forward transform of canonical coefficients. Harvey's lazy butterflies keep values
   * in {@code [0, 4q)} between layers (valid since {@code q < 2^61}), so each butterfly does one
   * Shoup product and at most one correction; the output is reduced to {@code [0, q)} once.
   */
  public void forward(long[] a) {
    final long q = mod.q;
    final long twoQ = 2 * q;
    int t = n;
    for (int m = 1; m < n >> 1; m <<= 1) {
      t >>= 1;
      for (int i = 0; i < m; i++) {
        int j1 = 2 * i * t;
        long w = psiRev[m + i];
        long ws = psiRevShoup[m + i];
        int j2 = j1 + t;
        for (int j = j1; j < j2; j++) {
          long u = a[j];
          if (u >= twoQ) {
            u -= twoQ;
          }
          long x = a[j + t];
          long hi = Math.multiplyHigh(x, ws) + ((ws >> 63) & x);
          long v = x * w - hi * q;
          a[j] = u + v;
          a[j + t] = u - v + twoQ;
        }
      }
    }
    // Last layer (pairs of neighbours) as one flat loop, fused with the final reduction: the
    // generic loop would run n/2 inner loops of length one.
    int half = n >> 1;
    for (int i = 0; i < half; i++) {
      int j = 2 * i;
      long w = psiRev[half + i];
      long ws = psiRevShoup[half + i];
      long u = a[j];
      if (u >= twoQ) {
        u -= twoQ;
      }
      long x = a[j + 1];
      long hi = Math.multiplyHigh(x, ws) + ((ws >> 63) & x);
      long v = x * w - hi * q;
      long s = u + v;
      long d = u - v + twoQ;
      if (s >= twoQ) {
        s -= twoQ;
      }
      if (d >= twoQ) {
        d -= twoQ;
      }
      a[j] = s >= q ? s - q : s;
      a[j + 1] = d >= q ? d - q : d;
    }
  }

  /**
   * In-place inverse transform, including the scaling by {@code n^-1}; lazy Gentleman-Sande
   * butterflies keep values in {@code [0, 2q)} until the final scaling reduces them.
   */
  public void inverse(long[] a) {
    final long q = mod.q;
    final long twoQ = 2 * q;
    // First layer (pairs of neighbours) as one flat loop.
    int half = n >> 1;
    for (int i = 0; i < half; i++) {
      int j = 2 * i;
      long w = psiInvRev[half + i];
      long ws = psiInvRevShoup[half + i];
      long u = a[j];
      long v = a[j + 1];
      long s = u + v;
      a[j] = s >= twoQ ? s - twoQ : s;
      long d = u - v + twoQ;
      long hi = Math.multiplyHigh(d, ws) + ((ws >> 63) & d);
      a[j + 1] = d * w - hi * q;
    }
    int t = 2;
    for (int m = half; m > 1; m >>= 1) {
      int j1 = 0;
      int h = m >> 1;
      for (int i = 0; i < h; i++) {
        long w = psiInvRev[h + i];
        long ws = psiInvRevShoup[h + i];
        int j2 = j1 + t;
        for (int j = j1; j < j2; j++) {
          long u = a[j];
          long v = a[j + t];
          long s = u + v;
          a[j] = s >= twoQ ? s - twoQ : s;
          long d = u - v + twoQ;
          long hi = Math.multiplyHigh(d, ws) + ((ws >> 63) & d);
          a[j + t] = d * w - hi * q;
        }
        j1 += 2 * t;
      }
      t <<= 1;
    }
    for (int j = 0; j < n; j++) {
      a[j] = Modulus.mulShoup(a[j], nInv, nInvShoup, q);
    }
  }
}
