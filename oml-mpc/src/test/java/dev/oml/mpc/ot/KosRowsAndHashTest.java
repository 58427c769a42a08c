package dev.oml.mpc.ot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.oml.mpc.internal.FixedKeyAes;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The KOS output hash against its definition: row {@code i} read bit by bit out of the 128
 * columns (bit {@code i mod 64} of word {@code i / 64} of column {@code j} is bit {@code j} of
 * the row), hashed alone under tweak {@code firstTweak + i}, and the same for {@code row ^ Delta};
 * at counts below, at and across the hashing batches and with partial last words.
 */
class KosRowsAndHashTest {

  @Test
  void rowsAndHashEqualsTheHashOfEachRow() {
    SplittableRandom rnd = new SplittableRandom(15);
    FixedKeyAes aes = new FixedKeyAes();
    for (int count : new int[] {1, 63, 64, 65, 1023, 1024, 1025, 2500}) {
      int words = KosCheck.words(count);
      long[][] cols = new long[KosCheck.KAPPA][words];
      for (long[] col : cols) {
        for (int w = 0; w < words; w++) {
          col[w] = rnd.nextLong();
        }
      }
      long dlo = rnd.nextLong();
      long dhi = rnd.nextLong();
      long firstTweak = rnd.nextLong() >>> 8;
      long[] out0 = new long[2 * count];
      long[] out1 = new long[2 * count];
      KosCheck.rowsAndHash(cols, count, firstTweak, dlo, dhi, out0, out1);
      long[] only0 = new long[2 * count];
      KosCheck.rowsAndHash(cols, count, firstTweak, dlo, dhi, only0, null);
      long[] want0 = new long[2 * count];
      long[] want1 = new long[2 * count];
      long[] row = new long[2];
      long[] tweak = new long[1];
      for (int i = 0; i < count; i++) {
        row[0] = 0;
        row[1] = 0;
        for (int j = 0; j < KosCheck.KAPPA; j++) {
          long bit = (cols[j][i / 64] >>> (i % 64)) & 1;
          row[j / 64] |= bit << (j % 64);
        }
        tweak[0] = firstTweak + i;
        aes.hash(row, 0, tweak, 0, want0, 2 * i, 1);
        row[0] ^= dlo;
        row[1] ^= dhi;
        aes.hash(row, 0, tweak, 0, want1, 2 * i, 1);
      }
      assertArrayEquals(want0, out0, "count " + count);
      assertArrayEquals(want1, out1, "count " + count);
      assertArrayEquals(want0, only0, "count " + count + ", no second output");
    }
  }
}
