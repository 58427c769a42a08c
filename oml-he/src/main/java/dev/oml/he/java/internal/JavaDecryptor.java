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
    BigInteger q = ctx.qAt[level];
    BigInteger halfQ = q.shiftRight(1);
    BigInteger bt = BigInteger.valueOf(ctx.t);
    for (int j = 0; j < ctx.n; j++) {
      BigInteger x = level == 0 ? BigInteger.valueOf(ph[0][j]) : ctx.crt(ph, level, j);
      m[j] = x.multiply(bt).add(halfQ).divide(q).mod(bt).longValue();
    }
    return new Pt(ctx.id, m, ctx.k - 1);
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
