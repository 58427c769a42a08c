package dev.oml.mpc.internal;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * The tweakable circular-correlation-robust hash of Guo, Katz, Wang and Yu (S&amp;P 2020) from
 * fixed-key AES: {@code H(x, i) = pi(sigma(x) ^ i) ^ sigma(x)}, with {@code pi} AES-128 under a
 * public constant key and {@code sigma(xL || xR) = (xL ^ xR) || xL}, a linear orthomorphism. Half
 * gates and the OT-extension output hash both need exactly this property: outputs look random
 * even for inputs correlated by the secret offset {@code Delta}, as long as no (input, tweak)
 * pair repeats under one {@code Delta}.
 *
 * <p>Calls are batched: one {@code Cipher.update} over many blocks lets the JDK's AES-NI
 * intrinsic pipeline them. Not thread-safe: one instance per thread.
 */
public final class FixedKeyAes {
  // Public by design (the hash is keyless); any fixed value works, this one is "OML fixed key!".
  private static final byte[] FIXED_KEY = "OML fixed key!!!".getBytes(
      java.nio.charset.StandardCharsets.US_ASCII);

  private final Cipher cipher;
  private static final int BATCH = 1024;
  // Input and output apart: an update whose output overlaps its input makes the JDK copy the
  // input first, which cost more than the AES itself (about 14 ns against 1.3 ns per block).
  private final byte[] buf = new byte[16 * BATCH];
  private final byte[] enc = new byte[16 * BATCH];

  public FixedKeyAes() {
    try {
      cipher = Cipher.getInstance("AES/ECB/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(FIXED_KEY, "AES"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no AES/ECB/NoPadding", e);
    }
  }

  /**
   * Hashes {@code n} blocks: {@code dst[k] = H(src[k], tweaks[k])} (blocks as long pairs). The
   * tweak enters the low 64 bits. {@code dst} may be {@code src}.
   */
  public void hash(long[] src, int srcOff, long[] tweaks, int tweakOff, long[] dst, int dstOff,
      int n) {
    // Batches of at most BATCH blocks: large enough to pipeline AES-NI, small enough that the
    // byte buffer stays in L1/L2.
    for (int done = 0; done < n; done += BATCH) {
      int m = Math.min(BATCH, n - done);
      hashBatch(src, srcOff + 2 * done, tweaks, tweakOff + done, 0, dst, dstOff + 2 * done, m);
    }
  }

  /** Hashes {@code n} blocks with consecutive tweaks {@code firstTweak, firstTweak + 1, ...}. */
  public void hashSequential(long[] src, int srcOff, long firstTweak, long[] dst, int dstOff,
      int n) {
    for (int done = 0; done < n; done += BATCH) {
      int m = Math.min(BATCH, n - done);
      hashBatch(src, srcOff + 2 * done, null, 0, firstTweak + done, dst, dstOff + 2 * done, m);
    }
  }

  private void hashBatch(long[] src, int srcOff, long[] tweaks, int tweakOff, long firstTweak,
      long[] dst, int dstOff, int n) {
    byte[] b = buf;
    byte[] out = enc;
    for (int k = 0; k < n; k++) {
      long lo = src[srcOff + 2 * k];
      long hi = src[srcOff + 2 * k + 1];
      long t = tweaks == null ? firstTweak + k : tweaks[tweakOff + k];
      Blocks.putLong(b, 16 * k, (lo ^ hi) ^ t);
      Blocks.putLong(b, 16 * k + 8, lo);
    }
    try {
      cipher.update(b, 0, 16 * n, out, 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES failed", e);
    }
    for (int k = 0; k < n; k++) {
      long lo = src[srcOff + 2 * k];
      long hi = src[srcOff + 2 * k + 1];
      dst[dstOff + 2 * k] = Blocks.getLong(out, 16 * k) ^ lo ^ hi;
      dst[dstOff + 2 * k + 1] = Blocks.getLong(out, 16 * k + 8) ^ lo;
    }
  }
}
