package dev.oml.mpc.inference.internal;

import dev.oml.mpc.internal.Prg;
import java.security.SecureRandom;

/**
 * Uniform ring elements for masks ({@code r, q, s, t, m}): an AES-CTR stream keyed from a
 * {@link SecureRandom}, reduced mod {@code 2^l} (exactly uniform, since {@code 2^l} divides
 * {@code 2^64}).
 */
public final class Rand {
  private final Prg prg;
  private final long mask;

  public Rand(SecureRandom rng, int ringBits) {
    this.prg = Prg.fromRandom(rng);
    this.mask = (1L << ringBits) - 1;
  }

  public long[] uniform(int n) {
    long[] v = new long[n];
    prg.fill(v, 0, n);
    for (int i = 0; i < n; i++) {
      v[i] &= mask;
    }
    return v;
  }
}
