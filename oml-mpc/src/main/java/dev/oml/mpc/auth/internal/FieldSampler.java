package dev.oml.mpc.auth.internal;

import dev.oml.core.field.PrimeField;
import dev.oml.mpc.internal.Prg;
import java.security.SecureRandom;

/**
 * Uniform elements of {@link PrimeField} from a PRG or from {@link SecureRandom}, by rejection:
 * draw 46 bits, keep them if below {@code p}. The acceptance rate is {@code p / 2^46}, above
 * {@code 1 - 2^-26}, so the loop almost never repeats, and the output is exactly uniform (a
 * reduction mod {@code p} would be biased).
 */
public final class FieldSampler {
  private static final long MASK = (1L << PrimeField.BITS) - 1;
  private final Prg prg;
  private final long[] buf = new long[256];
  private int pos = buf.length;

  /** Samples from the stream of {@code prg}; the stream is consumed in blocks of 256 longs. */
  public FieldSampler(Prg prg) {
    this.prg = prg;
  }

  /** A sampler over a fresh PRG seeded from {@code rng}. */
  public static FieldSampler fromRandom(SecureRandom rng) {
    return new FieldSampler(Prg.fromRandom(rng));
  }

  /** The next uniform element. */
  public long next() {
    while (true) {
      if (pos == buf.length) {
        prg.fill(buf, 0, buf.length);
        pos = 0;
      }
      long x = buf[pos] & MASK;
      buf[pos++] = 0;
      if (x < PrimeField.P) {
        return x;
      }
    }
  }

  /** Fills {@code dst} with uniform elements and returns it. */
  public long[] fill(long[] dst) {
    for (int i = 0; i < dst.length; i++) {
      dst[i] = next();
    }
    return dst;
  }

  /** {@code n} uniform elements. */
  public long[] next(int n) {
    return fill(new long[n]);
  }
}
