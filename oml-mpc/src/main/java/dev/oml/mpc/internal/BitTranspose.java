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
    // one pass per block size, each a plain nested loop the JIT unrolls (the single loop with
    // k = ((k | j) + 1) & ~j it replaces did the same swaps about a fifth slower)
    swap(a, off, 32, 0x00000000FFFFFFFFL);
    swap(a, off, 16, 0x0000FFFF0000FFFFL);
    swap(a, off, 8, 0x00FF00FF00FF00FFL);
    swap(a, off, 4, 0x0F0F0F0F0F0F0F0FL);
    swap(a, off, 2, 0x3333333333333333L);
    swap(a, off, 1, 0x5555555555555555L);
  }

  // Swaps the off-diagonal j x j blocks of every 2j x 2j diagonal block: rows k and k + j
  // exchange the bits that mask m selects in row k + j and (shifted by j) in row k.
  private static void swap(long[] a, int off, int j, long m) {
    for (int base = off; base < off + 64; base += 2 * j) {
      for (int k = base; k < base + j; k++) {
        long t = ((a[k] >>> j) ^ a[k + j]) & m;
        a[k] ^= t << j;
        a[k + j] ^= t;
      }
    }
  }
}
