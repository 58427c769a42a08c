package dev.oml.he.java.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.he.HeBackends;
import dev.oml.he.MalformedDataException;
import dev.oml.he.PredefinedParameters;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The word-at-a-time row packing against its definition, bit by bit: coefficient {@code j} of a
 * row is bits {@code [j * bits, (j + 1) * bits)} of the row's bytes, least significant first.
 * The tier-2 parameters mix 60- and 52-bit primes, so coefficients straddle 8-byte words at every
 * bit offset.
 */
class JavaSerializerPackingTest {
  private static final JavaContext CTX = (JavaContext) HeBackends.pureJava()
      .createContext(PredefinedParameters.bfvPrimeField(40));

  private static long[][] randomRows(SplittableRandom rnd, boolean extremes) {
    long[][] rows = new long[CTX.mods.length][CTX.n];
    for (int i = 0; i < rows.length; i++) {
      long q = CTX.mods[i].q;
      for (int j = 0; j < CTX.n; j++) {
        rows[i][j] = extremes ? (j % 3 == 0 ? 0 : j % 3 == 1 ? q - 1 : q >>> 1)
            : rnd.nextLong(q);
      }
    }
    return rows;
  }

  /** The definition, one bit at a time. */
  private static byte[] reference(long[][] rows) {
    int total = 0;
    for (int i = 0; i < rows.length; i++) {
      total += CTX.n / 8 * CTX.mods[i].bits;
    }
    byte[] out = new byte[total];
    long at = 0;
    for (int i = 0; i < rows.length; i++) {
      int bits = CTX.mods[i].bits;
      for (long v : rows[i]) {
        for (int b = 0; b < bits; b++, at++) {
          if (((v >>> b) & 1) != 0) {
            out[(int) (at >>> 3)] |= (byte) (1 << (at & 7));
          }
        }
      }
    }
    return out;
  }

  @Test
  void packingIsTheBitwiseDefinitionAndUnpackingInvertsIt() {
    JavaSerializer s = (JavaSerializer) CTX.serializer();
    SplittableRandom rnd = new SplittableRandom(14);
    for (boolean extremes : new boolean[] {false, true}) {
      long[][] rows = randomRows(rnd, extremes);
      byte[] want = reference(rows);
      // a prefix and a suffix around the rows, as inside a serialized object
      ByteBuffer b = ByteBuffer.allocate(want.length + 5).order(ByteOrder.LITTLE_ENDIAN);
      b.put((byte) 7);
      s.putRows(b, rows, rows.length);
      assertEquals(1 + want.length, b.position());
      byte[] got = new byte[want.length];
      System.arraycopy(b.array(), 1, got, 0, want.length);
      assertArrayEquals(want, got);

      byte[] framed = new byte[want.length + 3];
      System.arraycopy(want, 0, framed, 2, want.length);
      ByteBuffer in = ByteBuffer.wrap(framed).order(ByteOrder.LITTLE_ENDIAN);
      in.position(2);
      long[][] back = s.getRows(in, rows.length, "rows");
      assertEquals(2 + want.length, in.position());
      for (int i = 0; i < rows.length; i++) {
        assertArrayEquals(rows[i], back[i], "row " + i);
      }
      // the rows at the very end of the buffer (the last coefficients read byte by byte)
      long[][] atEnd = s.getRows(ByteBuffer.wrap(want).order(ByteOrder.LITTLE_ENDIAN),
          rows.length, "rows");
      for (int i = 0; i < rows.length; i++) {
        assertArrayEquals(rows[i], atEnd[i], "row " + i);
      }
    }
  }

  @Test
  void aCoefficientOutsideItsPrimeOrATruncatedRowIsRefused() {
    JavaSerializer s = (JavaSerializer) CTX.serializer();
    long[][] rows = randomRows(new SplittableRandom(15), false);
    byte[] bytes = reference(rows);
    // coefficient 5 of row 0 set to all ones: 2^bits - 1 >= q
    int bits = CTX.mods[0].bits;
    for (long at = 5L * bits; at < 6L * bits; at++) {
      bytes[(int) (at >>> 3)] |= (byte) (1 << (at & 7));
    }
    assertThrows(MalformedDataException.class,
        () -> s.getRows(ByteBuffer.wrap(bytes), rows.length, "rows"));
    byte[] shortBytes = java.util.Arrays.copyOf(reference(rows), bytes.length - 1);
    assertThrows(BufferUnderflowException.class,
        () -> s.getRows(ByteBuffer.wrap(shortBytes), rows.length, "rows"));
  }
}
