package dev.oml.he.java.internal;

import dev.oml.he.CkksEncoder;
import dev.oml.he.HeScheme;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.Plaintext;
import dev.oml.he.java.internal.JavaObjects.Pt;

/** CKKS encoder: special FFT, scaling, rounding, RNS lift. */
final class JavaCkksEncoder implements CkksEncoder {
  private static final double LIMIT = 0x1p62;
  private final JavaContext ctx;

  JavaCkksEncoder(JavaContext ctx) {
    this.ctx = ctx;
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
    double[] re = new double[slots];
    double[] im = new double[slots];
    System.arraycopy(real, 0, re, 0, real.length);
    System.arraycopy(imag, 0, im, 0, imag.length);
    ctx.fft.inverse(re, im);
    long[] coeff = new long[ctx.n];
    for (int i = 0; i < slots; i++) {
      double a = re[i] * scale;
      double b = im[i] * scale;
      if (!(Math.abs(a) < LIMIT) || !(Math.abs(b) < LIMIT)) {
        throw new IncompatibleOperandsException(
            "value times scale does not fit in 62 bits: lower the scale or the values");
      }
      coeff[i] = Math.round(a);
      coeff[i + slots] = Math.round(b);
    }
    return new Pt(ctx.id, ctx.ring.liftNtt(coeff, level + 1), level, scale);
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
