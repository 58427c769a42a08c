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
 * The parts of KOS15 both sides compute identically: the challenge seed, the linear
 * combination of rows in GF(2^128), and the transpose plus hash that turn columns into OT
 * outputs.
 *
 * <p>The combination is polynomial: {@code sum_i H^i * row_i} for one challenge element
 * {@code H} drawn after the receiver committed to {@code u}, a linear almost-universal hash of
 * the rows with collision probability at most {@code (m - 1) / 2^128} for {@code m} rows (the
 * argument for the check with it is in docs/SECURITY.md, "One set of base OTs per bundle, many
 * KOS extensions"). It is computed column by column with tables built once per check, see
 * {@link #fold}.
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
  /** Words of rows (64 rows each) {@link #rowsAndHash} hashes per AES batch. */
  private static final int HASH_WORDS = 16;
  private static final byte[] CHI_DOMAIN = "OML/KOS15/chi/v2".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CHUNK_CHI_DOMAIN =
      "OML/KOS15/bundle-chi/v2".getBytes(StandardCharsets.US_ASCII);

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
   * Returns {@code {sum_i chi_i * row_i, sum_i chi_i * r_i}} (four longs) with {@code chi_i =
   * H^i}, {@code H} the challenge element drawn from {@code chiSeed}, rows given as 128 column
   * vectors of {@code words} longs (row {@code i} is bit {@code i mod 64} of word
   * {@code i / 64} of every column); {@code r} may be null (then the second sum is 0).
   *
   * <p>Column-wise, with {@code row_i = sum_j row_i[j] X^j}: the sum is
   * {@code sum_w H^(64 w) S_w} with {@code S_w = sum_j X^j V(column j's word w)} and
   * {@code V(b) = sum_(t < 64) b_t H^t}. {@code V} of a 64-bit word is eight lookups in tables
   * of the byte sums of {@code H^0 .. H^63} (built once per check), {@code S_w} a Horner pass of
   * multiplications by {@code X} over the 128 columns, and the sum over words a Horner chain
   * multiplying by the one fixed element {@code H^64} ({@link Gf128.Fixed}, Shoup's 8-bit
   * table). The second sum is {@code sum_w H^(64 w) V(r_w)} the same way.
   */
  static long[] fold(long[][] cols, long[] r, int words, byte[] chiSeed) {
    long[] h = new long[2];
    new Prg(chiSeed).fill(h, 0, 2);
    Gf128.Fixed byH = new Gf128.Fixed(h[0], h[1]);
    // powers H^0 .. H^64
    long[] pow = new long[2 * 65];
    pow[0] = 1;
    for (int t = 1; t <= 64; t++) {
      byH.mul(pow[2 * t - 2], pow[2 * t - 1], pow, 2 * t);
    }
    Gf128.Fixed byH64 = new Gf128.Fixed(pow[128], pow[129]);
    // tab[k][b] = sum of H^(8k + t) over the set bits t of byte b: 8 tables of 256 entries
    long[] tab = new long[8 * 256 * 2];
    for (int k = 0; k < 8; k++) {
      int base = 512 * k;
      for (int b = 1; b < 256; b++) {
        int low = Integer.numberOfTrailingZeros(b);
        int prev = b & (b - 1);
        tab[base + 2 * b] = tab[base + 2 * prev] ^ pow[2 * (8 * k + low)];
        tab[base + 2 * b + 1] = tab[base + 2 * prev + 1] ^ pow[2 * (8 * k + low) + 1];
      }
    }
    long[] acc = new long[2];
    long[] accR = new long[2];
    long[] v = new long[2];
    for (int w = words - 1; w >= 0; w--) {
      long slo = 0;
      long shi = 0;
      for (int j = KAPPA - 1; j >= 0; j--) {
        // S = S * X + V(column j's word)
        long carry = shi >> 63;
        shi = (shi << 1) | (slo >>> 63);
        slo = (slo << 1) ^ (carry & 0x87L);
        long x = cols[j][w];
        int i0 = 2 * (int) (x & 0xff);
        int i1 = 512 + 2 * (int) ((x >>> 8) & 0xff);
        int i2 = 1024 + 2 * (int) ((x >>> 16) & 0xff);
        int i3 = 1536 + 2 * (int) ((x >>> 24) & 0xff);
        int i4 = 2048 + 2 * (int) ((x >>> 32) & 0xff);
        int i5 = 2560 + 2 * (int) ((x >>> 40) & 0xff);
        int i6 = 3072 + 2 * (int) ((x >>> 48) & 0xff);
        int i7 = 3584 + 2 * (int) (x >>> 56);
        slo ^= tab[i0] ^ tab[i1] ^ tab[i2] ^ tab[i3] ^ tab[i4] ^ tab[i5] ^ tab[i6] ^ tab[i7];
        shi ^= tab[i0 + 1] ^ tab[i1 + 1] ^ tab[i2 + 1] ^ tab[i3 + 1] ^ tab[i4 + 1]
            ^ tab[i5 + 1] ^ tab[i6 + 1] ^ tab[i7 + 1];
      }
      byH64.mul(acc[0], acc[1], acc, 0);
      acc[0] ^= slo;
      acc[1] ^= shi;
      if (r != null) {
        byH64.mul(accR[0], accR[1], accR, 0);
        valueOfWord(tab, r[w], v);
        accR[0] ^= v[0];
        accR[1] ^= v[1];
      }
    }
    java.util.Arrays.fill(tab, 0);
    return new long[] {acc[0], acc[1], accR[0], accR[1]};
  }

  /** {@code V(x) = sum_t x_t H^t} from the byte tables of {@link #fold}. */
  private static void valueOfWord(long[] tab, long x, long[] out) {
    long lo = 0;
    long hi = 0;
    for (int k = 0; k < 8; k++) {
      int i = 512 * k + 2 * (int) ((x >>> (8 * k)) & 0xff);
      lo ^= tab[i];
      hi ^= tab[i + 1];
    }
    out[0] = lo;
    out[1] = hi;
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
    int words = (count + 63) / 64;
    // the rows go straight into the outputs and are hashed in place, HASH_WORDS words (1024
    // rows) per call: fewer, longer AES batches than one call per 64 rows
    for (int w0 = 0; w0 < words; w0 += HASH_WORDS) {
      int wEnd = Math.min(words, w0 + HASH_WORDS);
      for (int w = w0; w < wEnd; w++) {
        for (int j = 0; j < 64; j++) {
          lo[j] = cols[j][w];
          hi[j] = cols[64 + j][w];
        }
        BitTranspose.transpose64(lo, 0);
        BitTranspose.transpose64(hi, 0);
        int n = Math.min(64, count - 64 * w);
        int at = 128 * w;
        for (int b = 0; b < n; b++) {
          out0[at + 2 * b] = lo[b];
          out0[at + 2 * b + 1] = hi[b];
        }
        if (out1 != null) {
          for (int b = 0; b < n; b++) {
            out1[at + 2 * b] = lo[b] ^ dlo;
            out1[at + 2 * b + 1] = hi[b] ^ dhi;
          }
        }
      }
      int first = 64 * w0;
      int n = Math.min(count, 64 * wEnd) - first;
      aes.hashSequential(out0, 2 * first, firstTweak + first, out0, 2 * first, n);
      if (out1 != null) {
        aes.hashSequential(out1, 2 * first, firstTweak + first, out1, 2 * first, n);
      }
    }
    java.util.Arrays.fill(lo, 0);
    java.util.Arrays.fill(hi, 0);
  }

  /** Expands a 16-byte seed into {@code words} longs. */
  static long[] expand(byte[] seed, int words) {
    long[] v = new long[words];
    new Prg(seed).fill(v, 0, words);
    return v;
  }
}
