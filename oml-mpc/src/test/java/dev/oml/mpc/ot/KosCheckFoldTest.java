package dev.oml.mpc.ot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.oml.mpc.internal.Gf128;
import dev.oml.mpc.internal.Prg;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The KOS check's column-wise combination against its definition: row {@code i} (bit {@code j}
 * of column {@code j}'s word) times {@code chi_i = H^i} in GF(2^128), {@code H} the first 128
 * bits of the challenge seed's stream, powers and products by the general shift-and-add
 * product, summed over the rows; and the XOR of the {@code chi_i} whose bit of {@code r} is set.
 */
class KosCheckFoldTest {

  @Test
  void foldEqualsTheSumOfProductsRowByRow() {
    SplittableRandom rnd = new SplittableRandom(14);
    for (int words : new int[] {1, 3, 7, 64, 65, 130}) {
      long[][] cols = new long[KosCheck.KAPPA][words];
      long[] r = new long[words];
      for (int j = 0; j < KosCheck.KAPPA; j++) {
        for (int w = 0; w < words; w++) {
          cols[j][w] = rnd.nextLong();
        }
      }
      for (int w = 0; w < words; w++) {
        r[w] = rnd.nextLong();
      }
      byte[] seed = new byte[32];
      for (int i = 0; i < seed.length; i++) {
        seed[i] = (byte) rnd.nextInt();
      }
      long[] h = new long[2];
      new Prg(seed).fill(h, 0, 2);
      long[] chi = new long[128 * words];
      chi[0] = 1;
      long[] p = new long[2];
      for (int i = 1; i < 64 * words; i++) {
        Gf128.mul(chi[2 * i - 2], chi[2 * i - 1], h[0], h[1], p);
        chi[2 * i] = p[0];
        chi[2 * i + 1] = p[1];
      }
      long slo = 0;
      long shi = 0;
      long xlo = 0;
      long xhi = 0;
      long[] prod = new long[2];
      for (int i = 0; i < 64 * words; i++) {
        int w = i / 64;
        int b = i % 64;
        long rowLo = 0;
        long rowHi = 0;
        for (int j = 0; j < 64; j++) {
          rowLo |= ((cols[j][w] >>> b) & 1) << j;
          rowHi |= ((cols[64 + j][w] >>> b) & 1) << j;
        }
        long clo = chi[128 * w + 2 * b];
        long chiHi = chi[128 * w + 2 * b + 1];
        Gf128.mul(rowLo, rowHi, clo, chiHi, prod);
        slo ^= prod[0];
        shi ^= prod[1];
        if (((r[w] >>> b) & 1) != 0) {
          xlo ^= clo;
          xhi ^= chiHi;
        }
      }
      assertArrayEquals(new long[] {slo, shi, xlo, xhi}, KosCheck.fold(cols, r, words, seed),
          words + " words");
      assertArrayEquals(new long[] {slo, shi, 0, 0}, KosCheck.fold(cols, null, words, seed));
    }
  }
}
