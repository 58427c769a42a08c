package dev.oml.core.field;

import dev.oml.core.transport.ProtocolAbortException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Wire format of field elements: 6 little-endian bytes each, since every element of
 * {@link PrimeField} has at most 46 bits; a quarter less than a {@code long} on the bulk
 * messages (VOLE corrections, label tables). Decoding rejects values outside {@code [0, p)}.
 */
public final class FieldCodec {
  /** Bytes per element. */
  public static final int BYTES = 6;

  // 8-byte little-endian access: an element is written as a long whose two top bytes the next
  // element overwrites (elements in ascending order), and read as a long masked to 48 bits
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long LOW48 = (1L << 48) - 1;

  private FieldCodec() {}

  /** Bytes of {@code n} elements. */
  public static int bytes(int n) {
    return BYTES * n;
  }

  /** Packs {@code v[0, n)} (canonical elements) into a new byte array. */
  public static byte[] pack(long[] v, int n) {
    byte[] b = new byte[BYTES * n];
    int wide = n - 1; // every element but the last has 2 bytes of room after it
    for (int i = 0; i < wide; i++) {
      LONG.set(b, BYTES * i, v[i] & LOW48);
    }
    for (int i = Math.max(0, wide); i < n; i++) {
      long x = v[i];
      int o = BYTES * i;
      for (int k = 0; k < BYTES; k++) {
        b[o + k] = (byte) (x >>> (8 * k));
      }
    }
    return b;
  }

  /**
   * Unpacks {@code out.length} elements from {@code b}.
   *
   * @throws ProtocolAbortException naming {@code step} if a value is not in {@code F_p}
   */
  public static long[] unpack(byte[] b, long[] out, String step) {
    if (b.length != BYTES * out.length) {
      throw new IllegalArgumentException("expected " + BYTES * out.length + " bytes");
    }
    for (int i = 0; i < out.length; i++) {
      int o = BYTES * i;
      long x;
      if (i < out.length - 1) {
        x = (long) LONG.get(b, o) & LOW48;
      } else {
        x = 0;
        for (int k = 0; k < BYTES; k++) {
          x |= (b[o + k] & 0xffL) << (8 * k);
        }
      }
      if (x >= PrimeField.P) {
        throw new ProtocolAbortException(step + ": a value is not an element of F_p");
      }
      out[i] = x;
    }
    return out;
  }
}
