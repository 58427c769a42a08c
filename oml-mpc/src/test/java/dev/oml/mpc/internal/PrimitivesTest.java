package dev.oml.mpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrimitivesTest {

  @Test
  void transposeMatchesBitByBitDefinition() {
    SplittableRandom rnd = new SplittableRandom(1);
    long[] a = new long[64];
    for (int i = 0; i < 64; i++) {
      a[i] = rnd.nextLong();
    }
    long[] t = a.clone();
    BitTranspose.transpose64(t, 0);
    for (int r = 0; r < 64; r++) {
      for (int c = 0; c < 64; c++) {
        assertEquals((a[r] >>> c) & 1, (t[c] >>> r) & 1);
      }
    }
    // at an offset inside a longer array, the words around it untouched
    long[] big = new long[64 + 7 + 5];
    for (int i = 0; i < big.length; i++) {
      big[i] = i < 7 || i >= 71 ? rnd.nextLong() : a[i - 7];
    }
    long[] before = big.clone();
    BitTranspose.transpose64(big, 7);
    for (int i = 0; i < big.length; i++) {
      assertEquals(i < 7 || i >= 71 ? before[i] : t[i - 7], big[i]);
    }
  }

  @Test
  void gfMultiplicationIsBilinearAndXIsShift() {
    SplittableRandom rnd = new SplittableRandom(2);
    long[] r1 = new long[2];
    long[] r2 = new long[2];
    long[] r3 = new long[2];
    for (int k = 0; k < 50; k++) {
      long alo = rnd.nextLong(), ahi = rnd.nextLong();
      long blo = rnd.nextLong(), bhi = rnd.nextLong();
      long clo = rnd.nextLong(), chi = rnd.nextLong();
      Gf128.mul(alo, ahi, blo ^ clo, bhi ^ chi, r1);
      Gf128.mul(alo, ahi, blo, bhi, r2);
      Gf128.mul(alo, ahi, clo, chi, r3);
      assertEquals(r1[0], r2[0] ^ r3[0]);
      assertEquals(r1[1], r2[1] ^ r3[1]);
      Gf128.mul(alo, ahi, blo, bhi, r1);
      Gf128.mul(blo, bhi, alo, ahi, r2);
      assertEquals(r1[0], r2[0]);
      assertEquals(r1[1], r2[1]);
      Gf128.mul(alo, ahi, 2, 0, r1);
      Gf128.mulX(alo, ahi, r2);
      assertEquals(r1[0], r2[0]);
      assertEquals(r1[1], r2[1]);
    }
    for (int i = 0; i < 200; i++) {
      long elo = rnd.nextLong(), ehi = rnd.nextLong();
      long alo = rnd.nextLong(), ahi = rnd.nextLong();
      Gf128.Fixed byE = new Gf128.Fixed(elo, ehi);
      Gf128.mul(alo, ahi, elo, ehi, r1);
      byE.mul(alo, ahi, r2, 0);
      assertEquals(r1[0], r2[0]);
      assertEquals(r1[1], r2[1]);
    }
    // X^127 * X = X^7 + X^2 + X + 1
    Gf128.mulX(0, 1L << 63, r1);
    assertEquals(0x87L, r1[0]);
    assertEquals(0L, r1[1]);
  }

  @Test
  void hashIsDeterministicAndTweakSeparates() {
    FixedKeyAes aes = new FixedKeyAes();
    long[] x = {5, 7, 5, 7};
    long[] out = new long[4];
    aes.hash(x, 0, new long[] {1, 2}, 0, out, 0, 2);
    long[] seq = new long[4];
    aes.hashSequential(x, 0, 1, seq, 0, 2);
    assertEquals(out[0], seq[0]);
    assertEquals(out[3], seq[3]);
    org.junit.jupiter.api.Assertions.assertNotEquals(out[0], out[2]);
  }

  @Test
  void hashEqualsItsDefinitionOverBatchBoundaries() throws Exception {
    // oracle: H(x, t) = pi(sigma(x) ^ t) ^ sigma(x), pi computed block by block with a cipher
    // of its own, sigma(lo || hi) = (lo ^ hi) || lo, the tweak in the low 64 bits
    javax.crypto.Cipher pi = javax.crypto.Cipher.getInstance("AES/ECB/NoPadding");
    pi.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(
        "OML fixed key!!!".getBytes(java.nio.charset.StandardCharsets.US_ASCII), "AES"));
    SplittableRandom rnd = new SplittableRandom(3);
    int n = 2500;
    long[] x = new long[2 * n];
    long[] tw = new long[n];
    for (int i = 0; i < n; i++) {
      x[2 * i] = rnd.nextLong();
      x[2 * i + 1] = rnd.nextLong();
      tw[i] = rnd.nextLong();
    }
    long[] out = new long[2 * n];
    new FixedKeyAes().hash(x, 0, tw, 0, out, 0, n);
    byte[] block = new byte[16];
    for (int i = 0; i < n; i++) {
      long sl = x[2 * i] ^ x[2 * i + 1];
      long sh = x[2 * i];
      Blocks.putLong(block, 0, sl ^ tw[i]);
      Blocks.putLong(block, 8, sh);
      byte[] e = pi.doFinal(block);
      assertEquals(Blocks.getLong(e, 0) ^ sl, out[2 * i], "block " + i);
      assertEquals(Blocks.getLong(e, 8) ^ sh, out[2 * i + 1], "block " + i);
    }
  }
}
