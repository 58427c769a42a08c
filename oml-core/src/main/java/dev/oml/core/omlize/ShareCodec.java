package dev.oml.core.omlize;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.io.FileFormatException.Reason;
import java.nio.ByteBuffer;

/** Packs ring elements into {@code ceil(l/8)} little-endian bytes each, and back. */
final class ShareCodec {
  private ShareCodec() {}

  static int elementBytes(FixedPointFormat format) {
    return (format.ringBits() + 7) / 8;
  }

  static void put(ByteBuffer out, long[] values, FixedPointFormat format) {
    int w = elementBytes(format);
    for (long v : values) {
      for (int b = 0; b < w; b++) {
        out.put((byte) (v >>> (8 * b)));
      }
    }
  }

  static long[] get(ByteBuffer in, int n, FixedPointFormat format, String what) {
    int w = elementBytes(format);
    if ((long) n * w > in.remaining()) {
      // checked before allocating, so a lying manifest cannot make us allocate its claim
      throw new ArtifactFormatException(Reason.MALFORMED, what + ": the shares end early");
    }
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      long v = 0;
      for (int b = 0; b < w; b++) {
        v |= (in.get() & 0xFFL) << (8 * b);
      }
      if ((v & ~format.mask()) != 0) {
        // A canonical writer never sets bits above l; refuse instead of silently reducing.
        throw new ArtifactFormatException(Reason.MALFORMED, what + ": a share element is outside Z_2^"
            + format.ringBits());
      }
      out[i] = v;
    }
    return out;
  }
}
