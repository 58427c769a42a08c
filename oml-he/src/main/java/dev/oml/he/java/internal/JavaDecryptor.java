package dev.oml.he.java.internal;

import dev.oml.he.Ciphertext;
import dev.oml.he.Decryptor;
import dev.oml.he.HeScheme;
import dev.oml.he.Plaintext;
import dev.oml.he.java.internal.JavaObjects.Ct;
import dev.oml.he.java.internal.JavaObjects.Pt;
import dev.oml.he.java.internal.JavaObjects.Sk;
import java.math.BigInteger;

/**
 * Decryption for the pure-Java backend: BFV rounds {@code t * phase / Q} ({@link BfvRounding},
 * in word arithmetic; at the lowest level with {@code t < q_0}, one Shoup quotient); CKKS keeps
 * the phase. Only the kept positions of an extracted answer mean anything; at several primes
 * they are the only ones rounded (the rest stay zero).
 */
final class JavaDecryptor implements Decryptor {
  private final JavaContext ctx;
  private final Sk sk;

  JavaDecryptor(JavaContext ctx, Sk sk) {
    this.ctx = ctx;
    this.sk = sk;
  }

  private volatile long[] reversedKey;

  /** The ternary key read backwards, {@code s[N - 1 - w]} at {@code w}, for compact answers. */
  long[] reversedKey() {
    long[] r = reversedKey;
    if (r == null) {
      long[] s = sk.small;
      r = new long[s.length];
      for (int w = 0; w < s.length; w++) {
        r[w] = s[s.length - 1 - w];
      }
      reversedKey = r;
    }
    return r;
  }

  JavaContext context() {
    return ctx;
  }

  @Override
  public Plaintext decrypt(Ciphertext ciphertext) {
    Ct c = ctx.ct(ciphertext);
    long[][] ph = ctx.encryption.phaseRows(sk, c);
    int level = c.level;
    if (c.scheme == HeScheme.CKKS) {
      ctx.ring.toNtt(ph, level + 1);
      return new Pt(ctx.id, ph, level, c.scale);
    }
    long[] m = new long[ctx.n];
    // An extracted answer carries meaning only at its kept positions: round only those.
    int[] at = c.kept;
    if (level == 0 && ctx.t < ctx.mods[0].q) {
      decryptSinglePrime(ph[0], m);
    } else if (ctx.rounding.supports(level)) {
      ctx.rounding.round(ph, level, at, m);
    } else if (at != null) {
      for (int j : at) {
        m[j] = ctx.rounding.roundReference(ph, level, j);
      }
    } else {
      for (int j = 0; j < ctx.n; j++) {
        m[j] = ctx.rounding.roundReference(ph, level, j);
      }
    }
    return new Pt(ctx.id, m, ctx.k - 1);
  }

  /**
   * {@code round(t x / q) mod t} for one prime {@code q > t} without big integers: a Shoup
   * quotient estimate of {@code x t / q}, corrected once, then rounded by the remainder.
   */
  private void decryptSinglePrime(long[] x, long[] m) {
    Modulus mq = ctx.mods[0];
    long q = mq.q;
    long t = ctx.t;
    long ts = mq.shoup(t);
    long halfUp = (q + 1) >>> 1;
    for (int j = 0; j < x.length; j++) {
      long a = x[j];
      long quo = Math.multiplyHigh(a, ts) + ((ts >> 63) & a);
      long rem = a * t - quo * q;
      if (rem >= q) {
        rem -= q;
        quo++;
      }
      if (rem >= halfUp) {
        quo++;
      }
      m[j] = quo == t ? 0 : quo;
    }
  }

  @Override
  public BigInteger[] phase(Ciphertext ciphertext) {
    Ct c = ctx.ct(ciphertext);
    long[][] ph = ctx.encryption.phaseRows(sk, c);
    BigInteger[] r = new BigInteger[ctx.n];
    for (int j = 0; j < ctx.n; j++) {
      r[j] = ctx.ring.crtCentered(ph, c.level, j);
    }
    return r;
  }
}
