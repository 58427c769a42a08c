package dev.oml.he.java.internal;

import dev.oml.he.CkksEncoder;
import dev.oml.he.HeScheme;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.Plaintext;
import dev.oml.he.internal.PreciseCkksEncoding;
import dev.oml.he.java.internal.JavaObjects.Pt;

/**
 * CKKS encoder: special FFT, scaling, rounding, RNS lift. Scales of at least {@code 2^62} take
 * the double-double path of {@link PreciseCkksEncoding}. Below, a scaled coefficient below
 * {@code 2^62} is the double product rounded; one at or above it (scales above {@code 2^62}, as
 * in plans with two primes per level) is {@code round(c * scale)} of the exact product of the
 * two doubles, rounded half to even, and written into each prime from its 128-bit magnitude
 * and a power of two ({@link #exactRound}), so no precision is lost to a 64-bit word. Values
 * whose scaled coefficients reach a quarter of the level's modulus are refused.
 */
final class JavaCkksEncoder implements CkksEncoder {
  private static final double LIMIT = 0x1p62;
  private final JavaContext ctx;
  /** {@code pow2[i][e] = 2^e mod q_i} for every exponent below the top modulus's bit length. */
  private final long[][] pow2;

  JavaCkksEncoder(JavaContext ctx) {
    this.ctx = ctx;
    int bits = ctx.qAt[ctx.k - 1].bitLength() + 1;
    this.pow2 = new long[ctx.k][bits];
    for (int i = 0; i < ctx.k; i++) {
      Modulus m = ctx.mods[i];
      long v = 1;
      for (int e = 0; e < bits; e++) {
        pow2[i][e] = v;
        v = m.add(v, v);
      }
    }
  }

  @Override
  public int slotCount() {
    return ctx.n / 2;
  }

  @Override
  public Plaintext encode(double[] values, double scale) {
    return encode(values, new double[0], scale, ctx.k - 1);
  }

  @Override
  public Plaintext encode(double[] real, double[] imag, double scale, int level) {
    int slots = ctx.n / 2;
    if (real.length > slots || imag.length > slots) {
      throw new IllegalArgumentException("at most " + slots + " slots");
    }
    if (!(scale >= 1.0) || Double.isInfinite(scale)) {
      throw new IncompatibleOperandsException("scale must be finite and at least 1");
    }
    if (level < 0 || level >= ctx.k) {
      throw new IncompatibleOperandsException("level " + level + " outside [0, " + (ctx.k - 1) + "]");
    }
    if (scale >= PreciseCkksEncoding.MIN_SCALE) {
      long[] primes = new long[level + 1];
      for (int i = 0; i <= level; i++) {
        primes[i] = ctx.mods[i].q;
      }
      long[][] rows = PreciseCkksEncoding.forDegree(ctx.n).residues(real, imag, scale, primes,
          ctx.qAt[level].bitLength() - 2);
      ctx.ring.toNtt(rows, level + 1);
      return new Pt(ctx.id, rows, level, scale);
    }
    double[] re = new double[slots];
    double[] im = new double[slots];
    System.arraycopy(real, 0, re, 0, real.length);
    System.arraycopy(imag, 0, im, 0, imag.length);
    ctx.fft.inverse(re, im);
    long[] coeff = new long[ctx.n];
    boolean[] wide = null;
    for (int j = 0; j < ctx.n; j++) {
      double c = j < slots ? re[j] : im[j - slots];
      double a = c * scale;
      if (Math.abs(a) < LIMIT) {
        coeff[j] = Math.round(a);
      } else if (!Double.isFinite(c)) {
        throw new IncompatibleOperandsException("values must be finite");
      } else {
        wide = wide == null ? new boolean[ctx.n] : wide;
        wide[j] = true;
      }
    }
    int cnt = level + 1;
    long[][] rows = ctx.ring.lift(coeff, cnt);
    if (wide != null) {
      // A quarter of the level's modulus: decoding centers the residue, so anything below half
      // comes back, and the margin leaves room for the noise and the products' growth.
      int limitBits = ctx.qAt[level].bitLength() - 2;
      long[] w = new long[4];
      for (int j = 0; j < ctx.n; j++) {
        if (!wide[j]) {
          continue;
        }
        exactRound(j < slots ? re[j] : im[j - slots], scale, w);
        int bits = (w[0] != 0 ? 128 - Long.numberOfLeadingZeros(w[0])
            : 64 - Long.numberOfLeadingZeros(w[1])) + (int) w[2];
        if (bits > limitBits) {
          throw new IncompatibleOperandsException("value times scale does not fit the modulus at"
              + " level " + level + ": lower the scale or the values");
        }
        for (int i = 0; i < cnt; i++) {
          Modulus m = ctx.mods[i];
          long r = m.mul(m.reduceWide(w[0], w[1]), pow2[i][(int) w[2]]);
          rows[i][j] = w[3] < 0 ? m.neg(r) : r;
        }
      }
    }
    ctx.ring.toNtt(rows, cnt);
    return new Pt(ctx.id, rows, level, scale);
  }

  @Override
  public Plaintext monomial(int power, int level) {
    if (power < 0 || power >= ctx.n) {
      throw new IllegalArgumentException("power " + power + " outside [0, " + ctx.n + ")");
    }
    if (level < 0 || level >= ctx.k) {
      throw new IncompatibleOperandsException("level " + level + " outside [0, " + (ctx.k - 1) + "]");
    }
    long[] coeff = new long[ctx.n];
    coeff[power] = 1;
    long[][] rows = ctx.ring.lift(coeff, level + 1);
    ctx.ring.toNtt(rows, level + 1);
    return new Pt(ctx.id, rows, level, 1.0);
  }

  /** {@link PreciseCkksEncoding#exactRound}, for products of at least {@code 2^62}. */
  static void exactRound(double c, double scale, long[] out) {
    PreciseCkksEncoding.exactRound(c, scale, out);
  }

  @Override
  public double[] decode(Plaintext plaintext) {
    return decodeComplex(plaintext)[0];
  }

  @Override
  public double[][] decodeComplex(Plaintext plaintext) {
    Pt p = ctx.pt(plaintext);
    if (p.scheme != HeScheme.CKKS) {
      throw new IncompatibleOperandsException("not a CKKS plaintext");
    }
    int cnt = p.level + 1;
    long[][] rows = RnsRing.copy(p.rows, cnt);
    ctx.ring.fromNtt(rows, cnt);
    int slots = ctx.n / 2;
    double[] re = new double[slots];
    double[] im = new double[slots];
    for (int i = 0; i < slots; i++) {
      re[i] = ctx.ring.crtCentered(rows, p.level, i).doubleValue() / p.scale;
      im[i] = ctx.ring.crtCentered(rows, p.level, i + slots).doubleValue() / p.scale;
    }
    ctx.fft.forward(re, im);
    return new double[][] {re, im};
  }
}
