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
    long[][] ph = ctx.encryption.phaseRows(sk, c);
    int level = c.level;
    if (c.scheme == HeScheme.CKKS) {
      ctx.ring.toNtt(ph, level + 1);
      return new Pt(ctx.id, ph, level, c.scale);
    }
    long[] m = new long[ctx.n];
    if (level == 0 && ctx.t < ctx.mods[0].q) {
      decryptSinglePrime(ph[0], m);
      return new Pt(ctx.id, m, ctx.k - 1);
    }
    if (level > 0 && (Long.bitCount(ctx.t) == 1 || ctx.tNtt != null)) {
      decryptRns(ph, level, m);
      return new Pt(ctx.id, m, ctx.k - 1);
    }
    for (int j = 0; j < ctx.n; j++) {
      m[j] = decryptExact(ph, level, j);
    }
    return new Pt(ctx.id, m, ctx.k - 1);
  }

  private long decryptExact(long[][] ph, int level, int j) {
    BigInteger q = ctx.qAt[level];
    BigInteger bt = BigInteger.valueOf(ctx.t);
    BigInteger x = level == 0 ? BigInteger.valueOf(ph[0][j]) : ctx.ring.crt(ph, level, j);
    return x.multiply(bt).add(q.shiftRight(1)).divide(q).mod(bt).longValue();
  }

  /**
   * {@code round(t x / Q) mod t} in RNS: {@code r = [t x]_Q} (centered) by a fast base
   * conversion into {@code Z_t}, then {@code round(t x / Q) = (t x - r) / Q = -r / Q mod t}.
   * The conversion's overflow count comes from a double sum; a coefficient whose sum lies
   * within {@code 2^-40} of a rounding boundary (noise at the very edge of {@code Delta / 2})
   * is recomputed exactly, so the result is always exact.
   */
  private void decryptRns(long[][] ph, int level, long[] m) {
    int cnt = level + 1;
    long t = ctx.t;
    boolean pow2 = Long.bitCount(t) == 1;
    long mask = t - 1;
    Modulus mt = pow2 ? null : ctx.tNtt.modulus();
    long[] w = new long[cnt];
    long[] ws = new long[cnt];
    double[] inv = new double[cnt];
    long[] hatModT = new long[cnt];
    long qModT = 1;
    for (int i = 0; i < cnt; i++) {
      Modulus mi = ctx.mods[i];
      w[i] = mi.mul(mi.reduceUnsigned(t), ctx.ring.crtHatInv[level][i]);
      ws[i] = mi.shoup(w[i]);
      inv[i] = 1.0 / mi.q;
      long h = 1;
      for (int k = 0; k < cnt; k++) {
        if (k != i) {
          h = mulT(h, ctx.mods[k].q, pow2, mask, mt);
        }
      }
      hatModT[i] = h;
      qModT = mulT(qModT, mi.q, pow2, mask, mt);
    }
    long qInvModT = pow2 ? inversePow2(qModT) & mask : mt.inv(qModT);
    long[] y = new long[cnt];
    for (int j = 0; j < ctx.n; j++) {
      double s = 0;
      for (int i = 0; i < cnt; i++) {
        y[i] = Modulus.mulShoup(ph[i][j], w[i], ws[i], ctx.mods[i].q);
        s += y[i] * inv[i];
      }
      double frac = s - Math.floor(s);
      if (Math.abs(frac - 0.5) < 0x1p-40) {
        m[j] = decryptExact(ph, level, j);
        continue;
      }
      long v = Math.round(s);
      long r = 0;
      for (int i = 0; i < cnt; i++) {
        r = addT(r, mulT(y[i], hatModT[i], pow2, mask, mt), pow2, mask, mt);
      }
      r = subT(r, mulT(v, qModT, pow2, mask, mt), pow2, mask, mt);
      m[j] = mulT(subT(0, r, pow2, mask, mt), qInvModT, pow2, mask, mt);
    }
  }

  private static long mulT(long a, long b, boolean pow2, long mask, Modulus mt) {
    return pow2 ? (a * b) & mask : mt.mul(mt.reduceUnsigned(a), mt.reduceUnsigned(b));
  }

  private static long addT(long a, long b, boolean pow2, long mask, Modulus mt) {
    return pow2 ? (a + b) & mask : mt.add(a, b);
  }

  private static long subT(long a, long b, boolean pow2, long mask, Modulus mt) {
    return pow2 ? (a - b) & mask : mt.sub(a, b);
  }

  /** Inverse of an odd word modulo 2^64 by Newton iteration. */
  private static long inversePow2(long a) {
    long x = a;
    for (int i = 0; i < 6; i++) {
      x *= 2 - a * x;
    }
    return x;
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
