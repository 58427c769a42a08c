package dev.oml.mpc.internal;

/**
 * Arithmetic in GF(2^128) = GF(2)[X] / (X^128 + X^7 + X^2 + X + 1), bit {@code i} of the pair
 * {@code (lo, hi)} being the coefficient of {@code X^i}. Only what the KOS consistency check
 * needs: multiplication by {@code X} (for Horner over columns) and one general product per check,
 * so a plain shift-and-add product suffices.
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
}
