package dev.oml.mpc.internal;

/**
 * In-place transpose of a 64x64 bit matrix held as 64 longs (bit {@code c} of {@code a[r]} is
 * entry {@code (r, c)}), by recursive block swaps: six passes of masked shifts instead of 4096
 * single-bit moves. OT extension turns its 128 column vectors into one 128-bit row per OT with
 * it.
 */
public final class BitTranspose {
  private BitTranspose() {}

  /** Transposes {@code a[off, off + 64)} in place. */
  public static void transpose64(long[] a, int off) {
    long m = 0x00000000FFFFFFFFL;
    for (int j = 32; j != 0; j >>= 1, m ^= (m << j)) {
      for (int k = 0; k < 64; k = ((k | j) + 1) & ~j) {
        long t = ((a[off + k] >>> j) ^ a[off + (k | j)]) & m;
        a[off + k] ^= t << j;
        a[off + (k | j)] ^= t;
      }
    }
  }
}
