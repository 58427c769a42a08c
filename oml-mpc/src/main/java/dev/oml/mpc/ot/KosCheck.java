package dev.oml.mpc.ot;

import dev.oml.mpc.internal.BitTranspose;
import dev.oml.mpc.internal.FixedKeyAes;
import dev.oml.mpc.internal.Gf128;
import dev.oml.mpc.internal.Prg;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The parts of KOS15 both sides compute identically: the challenge seed, the random linear
 * combination of rows in GF(2^128), and the transpose plus hash that turn columns into OT
 * outputs.
 *
 * <p>The combination {@code sum_i chi_i * row_i} is computed column by column, which needs no
 * carry-less multiplication: writing {@code row_i = sum_j row_i[j] X^j}, it equals
 * {@code sum_j X^j * (sum_i row_i[j] chi_i)}; the inner sums are XORs of {@code chi_i} selected
 * by a column's bits, done four rows at a time through a 16-entry table (four tables per pass
 * over the columns, so each column's sum is read and written once per 16 rows), and the outer
 * sum is a Horner pass of 128 multiplications by {@code X}.
 */
final class KosCheck {
  static final int KAPPA = 128;
  /**
   * Largest batch: message 3 carries 16 bytes per OT in one message, and a batch's matrices
   * (two of 16 bytes per OT on each side) must fit comfortably in memory.
   */
  static final int MAX_COUNT = 1 << 24;
  /** Extra OTs beyond the requested ones: kappa + statistical 64, rounded to whole words. */
  static final int PADDING = 256;
  private static final byte[] CHI_DOMAIN = "OML/KOS15/chi/v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CHUNK_CHI_DOMAIN =
      "OML/KOS15/bundle-chi/v1".getBytes(StandardCharsets.US_ASCII);

  private KosCheck() {}

  static int words(int count) {
    return (count + 63) / 64 + PADDING / 64;
  }

  /**
   * The challenge seed: SHA-256 over the sender's seed (fixed before {@code u} existed) and the
   * exact bytes of {@code u}, so neither side can choose the challenge after the fact.
   */
  static byte[] chiSeed(byte[] senderSeed, byte[] msg, int uOff, int uLen) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(CHI_DOMAIN);
      md.update(senderSeed);
      md.update(msg, uOff, uLen);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /**
   * The challenge seed of one extension of a bundle ({@link KosExtensionSender}): SHA-256 over
   * the bundle's seed (drawn by the sender, fixed before any {@code u}), the extension's place
   * in the bundle (its sequence number, the index of its first OT and its size), its
   * {@link KosDomain}, and the exact bytes of its {@code u}. The challenge is thus drawn after
   * the receiver committed to {@code u}, and differs for every extension.
   */
  static byte[] chunkChiSeed(byte[] bundleSeed, long sequence, long firstIndex, int count,
      byte[] domain, byte[] msg, int uOff, int uLen) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(CHUNK_CHI_DOMAIN);
      md.update(bundleSeed);
      md.update(ByteBuffer.allocate(20).putLong(sequence).putLong(firstIndex)
          .putInt(count).array());
      md.update(domain);
      md.update(msg, uOff, uLen);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /**
   * Returns {@code {sum_i chi_i * row_i, sum_i chi_i * r_i}} (four longs), rows given as 128
   * column vectors of {@code words} longs; {@code r} may be null (then the second sum is 0).
   */
  static long[] fold(long[][] cols, long[] r, int words, byte[] chiSeed) {
    Prg prg = new Prg(chiSeed);
    long[] c = new long[2 * KAPPA];
    long[] chi = new long[128];
    // four 16-entry tables (rows 4q .. 4q + 3 of a 16-row group), so that one pass over the
    // columns reads 16 bits of each and updates its sum once
    long[] tab = new long[128];
    long[] cw = new long[KAPPA];
    long xlo = 0;
    long xhi = 0;
    for (int w = 0; w < words; w++) {
      prg.fill(chi, 0, 128);
      for (int j = 0; j < KAPPA; j++) {
        cw[j] = cols[j][w];
      }
      long rw = r == null ? 0 : r[w];
      for (int p = 0; p < 16; p += 4) {
        for (int q = 0; q < 4; q++) {
          int base = 8 * (p + q);
          int t = 32 * q;
          for (int e = 1; e < 16; e++) {
            int low = Integer.numberOfTrailingZeros(e);
            int prev = e & (e - 1);
            tab[t + 2 * e] = tab[t + 2 * prev] ^ chi[base + 2 * low];
            tab[t + 2 * e + 1] = tab[t + 2 * prev + 1] ^ chi[base + 2 * low + 1];
          }
        }
        int sh = 4 * p;
        for (int j = 0; j < KAPPA; j++) {
          int bits = (int) (cw[j] >>> sh);
          int i0 = 2 * (bits & 15);
          int i1 = 32 + 2 * ((bits >>> 4) & 15);
          int i2 = 64 + 2 * ((bits >>> 8) & 15);
          int i3 = 96 + 2 * ((bits >>> 12) & 15);
          c[2 * j] ^= tab[i0] ^ tab[i1] ^ tab[i2] ^ tab[i3];
          c[2 * j + 1] ^= tab[i0 + 1] ^ tab[i1 + 1] ^ tab[i2 + 1] ^ tab[i3 + 1];
        }
        int bits = (int) (rw >>> sh);
        int i0 = 2 * (bits & 15);
        int i1 = 32 + 2 * ((bits >>> 4) & 15);
        int i2 = 64 + 2 * ((bits >>> 8) & 15);
        int i3 = 96 + 2 * ((bits >>> 12) & 15);
        xlo ^= tab[i0] ^ tab[i1] ^ tab[i2] ^ tab[i3];
        xhi ^= tab[i0 + 1] ^ tab[i1 + 1] ^ tab[i2 + 1] ^ tab[i3 + 1];
      }
    }
    long[] acc = new long[2];
    for (int j = KAPPA - 1; j >= 0; j--) {
      Gf128.mulX(acc[0], acc[1], acc);
      acc[0] ^= c[2 * j];
      acc[1] ^= c[2 * j + 1];
    }
    return new long[] {acc[0], acc[1], xlo, xhi};
  }

  /**
   * Transposes the first {@code count} rows out of 128 columns and hashes them: {@code out0[i] =
   * H(i, row_i)} and, if {@code out1} is not null, {@code out1[i] = H(i, row_i ^ delta)}.
   */
  static void rowsAndHash(long[][] cols, int count, long dlo, long dhi, long[] out0,
      long[] out1) {
    rowsAndHash(cols, count, 0, dlo, dhi, out0, out1);
  }

  /**
   * As {@link #rowsAndHash(long[][], int, long, long, long[], long[])}, with row {@code i}
   * hashed under the tweak {@code firstTweak + i}: extensions that share one {@code Delta} use
   * disjoint tweak ranges, so no hash input repeats under the same correlation.
   */
  static void rowsAndHash(long[][] cols, int count, long firstTweak, long dlo, long dhi,
      long[] out0, long[] out1) {
    FixedKeyAes aes = new FixedKeyAes();
    long[] lo = new long[64];
    long[] hi = new long[64];
    long[] rows = new long[128];
    int words = (count + 63) / 64;
    for (int w = 0; w < words; w++) {
      for (int j = 0; j < 64; j++) {
        lo[j] = cols[j][w];
        hi[j] = cols[64 + j][w];
      }
      BitTranspose.transpose64(lo, 0);
      BitTranspose.transpose64(hi, 0);
      int n = Math.min(64, count - 64 * w);
      for (int b = 0; b < n; b++) {
        rows[2 * b] = lo[b];
        rows[2 * b + 1] = hi[b];
      }
      int first = 64 * w;
      aes.hashSequential(rows, 0, firstTweak + first, out0, 2 * first, n);
      if (out1 != null) {
        for (int b = 0; b < n; b++) {
          rows[2 * b] ^= dlo;
          rows[2 * b + 1] ^= dhi;
        }
        aes.hashSequential(rows, 0, firstTweak + first, out1, 2 * first, n);
      }
    }
    java.util.Arrays.fill(rows, 0);
  }

  /** Expands a 16-byte seed into {@code words} longs. */
  static long[] expand(byte[] seed, int words) {
    long[] v = new long[words];
    new Prg(seed).fill(v, 0, words);
    return v;
  }
}
