package dev.oml.mpc.internal;

/**
 * Arithmetic in GF(2^128) = GF(2)[X] / (X^128 + X^7 + X^2 + X + 1), bit {@code i} of the pair
 * {@code (lo, hi)} being the coefficient of {@code X^i}. Only what the KOS consistency check
 * needs: multiplication by {@code X} (for Horner over columns), one general product per check
 * (a plain shift-and-add product suffices), and many products by one fixed element
 * ({@link Fixed}).
 */
public final class Gf128 {
  private Gf128() {}

  /** {@code a * X} into {@code out[0..1]}. */
  public static void mulX(long lo, long hi, long[] out) {
    long carry = hi >>> 63;
    long nhi = (hi << 1) | (lo >>> 63);
    long nlo = (lo << 1) ^ (-carry & 0x87L);
    out[0] = nlo;
    out[1] = nhi;
  }

  /** {@code a * b} into {@code out[0..1]}. Constant time (no secret-dependent branch). */
  public static void mul(long alo, long ahi, long blo, long bhi, long[] out) {
    long rlo = 0;
    long rhi = 0;
    long[] t = new long[2];
    // Horner from the top bit of b: r = r*X + b_i * a.
    for (int i = 127; i >= 0; i--) {
      mulX(rlo, rhi, t);
      long bit = i >= 64 ? (bhi >>> (i - 64)) & 1 : (blo >>> i) & 1;
      long m = -bit;
      rlo = t[0] ^ (alo & m);
      rhi = t[1] ^ (ahi & m);
    }
    out[0] = rlo;
    out[1] = rhi;
  }

  /**
   * Multiplication by one fixed element {@code E} with Shoup's 8-bit tables: {@code b(X) E} for
   * every byte {@code b}, and the reduction of the 8 bits that a shift by {@code X^8} pushes out
   * ({@code o(X) X^128 = o(X) (X^7 + X^2 + X + 1)}, at most 15 bits). A product is then a
   * Horner pass over the 16 bytes of the other factor, from the top: {@code z = z X^8 + b E}.
   * The table lookups are indexed by the other factor's bytes (as in the check's fold, whose
   * operands both parties compute); no branch depends on either factor.
   */
  public static final class Fixed {
    private static final long[] REDUCE = new long[256];

    static {
      for (int o = 0; o < 256; o++) {
        long r = 0;
        for (int t = 0; t < 8; t++) {
          r ^= ((o >>> t) & 1L) * (0x87L << t);
        }
        REDUCE[o] = r;
      }
    }

    private final long[] table = new long[512];

    /** Tables for {@code E = (lo, hi)}. */
    public Fixed(long lo, long hi) {
      // table[b] = b(X) E: the single bits X^t E by multiplication by X, the rest by linearity
      long[] t = {lo, hi};
      for (int bit = 0; bit < 8; bit++) {
        table[2 * (1 << bit)] = t[0];
        table[2 * (1 << bit) + 1] = t[1];
        mulX(t[0], t[1], t);
      }
      for (int b = 3; b < 256; b++) {
        int low = b & -b;
        if (low != b) {
          table[2 * b] = table[2 * low] ^ table[2 * (b ^ low)];
          table[2 * b + 1] = table[2 * low + 1] ^ table[2 * (b ^ low) + 1];
        }
      }
    }

    /** {@code a * E} into {@code out[off], out[off + 1]}; {@code out} may hold {@code a}. */
    public void mul(long alo, long ahi, long[] out, int off) {
      long zlo = 0;
      long zhi = 0;
      for (int k = 15; k >= 0; k--) {
        int o = (int) (zhi >>> 56);
        zhi = (zhi << 8) | (zlo >>> 56);
        zlo = (zlo << 8) ^ REDUCE[o];
        int b = 2 * (int) ((k >= 8 ? ahi >>> (8 * (k - 8)) : alo >>> (8 * k)) & 0xff);
        zlo ^= table[b];
        zhi ^= table[b + 1];
      }
      out[off] = zlo;
      out[off + 1] = zhi;
    }
  }
}
