package dev.oml.mpc.internal;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A pseudorandom generator: AES-128 in counter mode keyed by a 128-bit seed, from the JDK (its
 * CTR mode is intrinsified). Each seed is a fresh key with a zero counter, so one seed must feed
 * one generator only; callers derive seeds by hashing with domain separation or draw them from
 * {@link SecureRandom}.
 */
public final class Prg {
  private static final int CHUNK = 1 << 14;
  private final Cipher cipher;
  private final byte[] zeros = new byte[CHUNK];
  private final byte[] out = new byte[CHUNK];

  /** A generator keyed by the first 16 bytes of {@code seed}. */
  public Prg(byte[] seed) {
    if (seed.length < 16) {
      throw new IllegalArgumentException("a PRG seed has 16 bytes");
    }
    try {
      cipher = Cipher.getInstance("AES/CTR/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, 0, 16, "AES"),
          new IvParameterSpec(new byte[16]));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no AES/CTR/NoPadding", e);
    }
  }

  /** A generator seeded from {@code rng}. */
  public static Prg fromRandom(SecureRandom rng) {
    byte[] s = new byte[16];
    rng.nextBytes(s);
    Prg p = new Prg(s);
    Arrays.fill(s, (byte) 0);
    return p;
  }

  /** Fills {@code dst[off, off + n)} with pseudorandom longs. */
  public void fill(long[] dst, int off, int n) {
    int done = 0;
    while (done < n) {
      int take = Math.min(n - done, CHUNK / 8);
      try {
        cipher.update(zeros, 0, 8 * take, out, 0);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES failed", e);
      }
      Blocks.fromBytes(out, 0, dst, off + done, take);
      done += take;
    }
  }

  /** Fills {@code dst} with pseudorandom bytes. */
  public void nextBytes(byte[] dst) {
    int done = 0;
    while (done < dst.length) {
      int take = Math.min(dst.length - done, CHUNK);
      try {
        cipher.update(zeros, 0, take, dst, done);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES failed", e);
      }
      done += take;
    }
  }
}
