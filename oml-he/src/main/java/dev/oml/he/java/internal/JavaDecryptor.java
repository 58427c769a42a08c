package dev.oml.he.java.internal;

import dev.oml.he.Ciphertext;
import dev.oml.he.Decryptor;
import dev.oml.he.HeScheme;
import dev.oml.he.Plaintext;
import dev.oml.he.java.internal.JavaObjects.Ct;
import dev.oml.he.java.internal.JavaObjects.Pt;
import dev.oml.he.java.internal.JavaObjects.Sk;
import java.math.BigInteger;

/** Decryption for the pure-Java backend: BFV rounds {@code t * phase / Q}; CKKS keeps the phase. */
final class JavaDecryptor implements Decryptor {
  private final JavaContext ctx;
  private final Sk sk;

  JavaDecryptor(JavaContext ctx, Sk sk) {
    this.ctx = ctx;
    this.sk = sk;
  }

  @Override
  public Plaintext decrypt(Ciphertext ciphertext) {
    Ct c = ctx.ct(ciphertext);
    long[][] ph = ctx.phaseRows(sk, c);
    int level = c.level;
    if (c.scheme == HeScheme.CKKS) {
      ctx.toNtt(ph, level + 1);
      return new Pt(ctx.id, ph, level, c.scale);
    }
    long[] m = new long[ctx.n];
    if (level == 0 && ctx.t < ctx.mods[0].q) {
      decryptSinglePrime(ph[0], m);
      return new Pt(ctx.id, m, ctx.k - 1);
    }
    BigInteger q = ctx.qAt[level];
    BigInteger halfQ = q.shiftRight(1);
    BigInteger bt = BigInteger.valueOf(ctx.t);
    for (int j = 0; j < ctx.n; j++) {
      BigInteger x = level == 0 ? BigInteger.valueOf(ph[0][j]) : ctx.crt(ph, level, j);
      m[j] = x.multiply(bt).add(halfQ).divide(q).mod(bt).longValue();
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
    long[][] ph = ctx.phaseRows(sk, c);
    BigInteger[] r = new BigInteger[ctx.n];
    for (int j = 0; j < ctx.n; j++) {
      r[j] = ctx.crtCentered(ph, c.level, j);
    }
    return r;
  }
}
