package dev.oml.core.field;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Exactly uniform elements of {@link PrimeField} from a 128-bit key: the JDK's AES-128 in
 * counter mode from a zero counter, read as little-endian 64-bit words, each masked to 46 bits
 * and kept if below {@code p} (rejection; the acceptance rate is above {@code 1 - 2^-26}, and a
 * reduction mod {@code p} would be biased). One key must feed one stream only, so callers derive
 * keys with domain separation (HKDF labels). Not thread-safe.
 */
public final class FieldPrg {
  private static final long MASK = (1L << PrimeField.BITS) - 1;
  private static final int WORDS = 256;
  private final Cipher cipher;
  private final byte[] zeros = new byte[8 * WORDS];
  private final byte[] block = new byte[8 * WORDS];
  private int pos = WORDS;

  /**
   * A stream keyed by the first 16 bytes of {@code key}.
   *
   * @throws IllegalArgumentException if {@code key} is shorter than 16 bytes
   */
  public FieldPrg(byte[] key) {
    if (key.length < 16) {
      throw new IllegalArgumentException("a field PRG key has 16 bytes");
    }
    try {
      cipher = Cipher.getInstance("AES/CTR/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, 0, 16, "AES"),
          new IvParameterSpec(new byte[16]));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no AES/CTR/NoPadding", e);
    }
  }

  /** The next uniform element. */
  public long next() {
    while (true) {
      if (pos == WORDS) {
        try {
          cipher.update(zeros, 0, zeros.length, block, 0);
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("AES failed", e);
        }
        pos = 0;
      }
      long x = 0;
      int o = 8 * pos;
      for (int b = 7; b >= 0; b--) {
        x = (x << 8) | (block[o + b] & 0xFFL);
      }
      Arrays.fill(block, o, o + 8, (byte) 0);
      pos++;
      x &= MASK;
      if (x < PrimeField.P) {
        return x;
      }
    }
  }

  /** {@code n} uniform elements. */
  public long[] next(int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = next();
    }
    return out;
  }
}
