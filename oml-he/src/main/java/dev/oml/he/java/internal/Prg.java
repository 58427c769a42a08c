package dev.oml.he.java.internal;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Deterministic generator: AES-256 in counter mode keyed by a 32-byte seed (the JDK's
 * implementation, hardware-accelerated where available), with a domain byte in the IV so that
 * one seed can feed independent streams. Used for the public uniform components that travel as
 * seeds (the same seed gives the same polynomial on every machine) and, freshly seeded from
 * {@link SecureRandom}, for secret keys and noise.
 */
public final class Prg {
  public static final int SEED_BYTES = 32;
  private static final int BUF = 8192;
  private static final SecureRandom SECURE = new SecureRandom();

  private final Cipher cipher;
  private final byte[] zeros = new byte[BUF];
  private final byte[] buf = new byte[BUF];
  private int pos = BUF;

  public Prg(byte[] seed, int domain) {
    if (seed.length != SEED_BYTES) {
      throw new IllegalArgumentException("seed must be 32 bytes");
    }
    try {
      cipher = Cipher.getInstance("AES/CTR/NoPadding");
      byte[] iv = new byte[16];
      iv[0] = (byte) domain;
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, "AES"), new IvParameterSpec(iv));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR unavailable in this JDK", e);
    }
  }

  /** A fresh generator seeded from {@link SecureRandom}. */
  public static Prg fresh() {
    return new Prg(freshSeed(), 0);
  }

  public static byte[] freshSeed() {
    byte[] s = new byte[SEED_BYTES];
    SECURE.nextBytes(s);
    return s;
  }

  private void refill() {
    try {
      cipher.update(zeros, 0, BUF, buf, 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    pos = 0;
  }

  public long nextLong() {
    if (pos + 8 > BUF) {
      refill();
    }
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v |= (buf[pos + i] & 0xFFL) << (8 * i);
    }
    pos += 8;
    return v;
  }

  public int nextByte() {
    if (pos >= BUF) {
      refill();
    }
    return buf[pos++] & 0xFF;
  }

  /** Uniform in {@code [0, q)} by rejection on the bit length of {@code q}. */
  public long uniform(Modulus m) {
    long mask = m.bits == 64 ? -1L : (1L << m.bits) - 1;
    while (true) {
      long v = nextLong() & mask;
      if (v < m.q) {
        return v;
      }
    }
  }

  /** Uniform in {@code [0, bound)} for {@code bound <= 2^62}. */
  public long uniformBelow(long bound) {
    int bits = 64 - Long.numberOfLeadingZeros(bound - 1);
    long mask = bits >= 63 ? Long.MAX_VALUE : (1L << bits) - 1;
    while (true) {
      long v = nextLong() & mask;
      if (v < bound) {
        return v;
      }
    }
  }

  /** Uniform in {-1, 0, 1}. */
  public int ternary() {
    while (true) {
      int b = nextByte();
      if (b < 255) {
        return b % 3 - 1;
      }
    }
  }

  /** Centered binomial with eta = 21: variance 10.5, support [-21, 21]. */
  public int cbd() {
    long x = nextLong();
    return Long.bitCount(x & 0x1FFFFFL) - Long.bitCount((x >>> 21) & 0x1FFFFFL);
  }
}
