package dev.oml.mpc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * 128-bit blocks held as two longs {@code (lo, hi)} at {@code [2i, 2i+1]} of a {@code long[]}:
 * XOR, the point-and-permute bit and the byte packing AES needs. Longs rather than byte arrays
 * because every hot loop here is XOR of whole blocks.
 */
public final class Blocks {
  private static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class,
      ByteOrder.LITTLE_ENDIAN);

  private Blocks() {}

  /** Reads a little-endian long. */
  public static long getLong(byte[] b, int off) {
    return (long) LE.get(b, off);
  }

  /** Writes a little-endian long. */
  public static void putLong(byte[] b, int off, long v) {
    LE.set(b, off, v);
  }

  /** Copies {@code n} longs from {@code src} into {@code dst} as little-endian bytes. */
  public static void toBytes(long[] src, int srcOff, byte[] dst, int dstOff, int n) {
    if (n >= 64) {
      // bulk copy: a plain memory copy on little-endian hardware
      ByteBuffer.wrap(dst, dstOff, 8 * n).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer()
          .put(src, srcOff, n);
      return;
    }
    for (int i = 0; i < n; i++) {
      LE.set(dst, dstOff + 8 * i, src[srcOff + i]);
    }
  }

  /** Copies {@code n} little-endian longs from {@code src} into {@code dst}. */
  public static void fromBytes(byte[] src, int srcOff, long[] dst, int dstOff, int n) {
    if (n >= 64) {
      ByteBuffer.wrap(src, srcOff, 8 * n).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer()
          .get(dst, dstOff, n);
      return;
    }
    for (int i = 0; i < n; i++) {
      dst[dstOff + i] = (long) LE.get(src, srcOff + 8 * i);
    }
  }
}
