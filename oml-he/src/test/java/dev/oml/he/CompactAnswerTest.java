package dev.oml.he;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The compact answer's encoding against a bit-by-bit reading of its definition (header, then
 * every value in {@code b} bits, least significant bit first, zero padding), for widths 1 to 63
 * and shapes whose packed length is and is not a whole number of 8-byte words; and the decoder's
 * refusals.
 */
class CompactAnswerTest {
  private static long[] values(Random rnd, int count, int bits) {
    long[] v = new long[count];
    for (int i = 0; i < count; i++) {
      v[i] = switch (i % 4) {
        case 0 -> 0;
        case 1 -> (1L << bits) - 1;
        default -> rnd.nextLong() >>> (64 - bits);
      };
    }
    return v;
  }

  /** Value {@code i} of the body read bit by bit from the bytes. */
  private static long oracle(byte[] b, int i, int bits) {
    long x = 0;
    for (int t = 0; t < bits; t++) {
      long pos = (long) i * bits + t;
      int bit = (b[10 + (int) (pos >>> 3)] >>> (int) (pos & 7)) & 1;
      x |= (long) bit << t;
    }
    return x;
  }

  @Test
  void encodingMatchesBitwiseDefinitionAndDecodes() {
    Random rnd = new Random(14);
    for (int bits = 1; bits <= 63; bits++) {
      for (int[] shape : new int[][] {{16, 3}, {64, 20}, {256, 1}, {8, 8}}) {
        int n = shape[0];
        int kept = shape[1];
        long[] c0 = values(rnd, kept, bits);
        long[] c1 = values(rnd, n, bits);
        byte[] b = new CompactAnswer(bits, c0, c1).encode();
        assertEquals(CompactAnswer.encodedLength(n, kept, bits), b.length);
        assertEquals(CompactAnswer.FORM, b[0]);
        assertEquals(bits, b[1]);
        for (int i = 0; i < kept + n; i++) {
          assertEquals(i < kept ? c0[i] : c1[i - kept], oracle(b, i, bits));
        }
        CompactAnswer d = CompactAnswer.decode(b, n, kept, bits);
        assertEquals(bits, d.bits());
        assertArrayEquals(c0, d.c0(), "bits " + bits);
        assertArrayEquals(c1, d.c1(), "bits " + bits);
      }
    }
  }

  @Test
  void decodeRefusesPaddingShapeAndLength() {
    int bits = 60;
    int n = 16;
    int kept = 3;
    byte[] b = new CompactAnswer(bits, new long[kept], new long[n]).encode();
    // (3 + 16) 60 = 1140 bits: the last byte holds 4 bits of padding
    byte[] padded = b.clone();
    padded[padded.length - 1] |= (byte) 0x80;
    assertThrows(MalformedDataException.class, () -> CompactAnswer.decode(padded, n, kept, bits));
    assertThrows(MalformedDataException.class, () -> CompactAnswer.decode(b, n, kept + 1, bits));
    assertThrows(MalformedDataException.class, () -> CompactAnswer.decode(b, n, kept, bits - 1));
    byte[] shorter = java.util.Arrays.copyOf(b, b.length - 1);
    assertThrows(MalformedDataException.class, () -> CompactAnswer.decode(shorter, n, kept, bits));
    byte[] form = b.clone();
    form[0] = 0;
    assertThrows(MalformedDataException.class, () -> CompactAnswer.decode(form, n, kept, bits));
  }
}
