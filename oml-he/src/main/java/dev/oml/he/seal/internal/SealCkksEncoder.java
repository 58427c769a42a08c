package dev.oml.he.seal.internal;

import com.sun.jna.ptr.PointerByReference;
import dev.oml.he.CkksEncoder;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.Plaintext;
import dev.oml.he.seal.internal.SealObjects.Pt;

/**
 * SEAL's CKKS encoder. Values whose magnitude times the scale reaches {@code 2^62} are refused:
 * every coefficient of the inverse embedding is at most the largest slot, so this keeps the
 * scaled coefficients within the 62 bits the API promises (slightly stricter than computing
 * the coefficients first, as the pure-Java engine does).
 */
final class SealCkksEncoder implements CkksEncoder {
  private final SealContext ctx;

  SealCkksEncoder(SealContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public int slotCount() {
    return ctx.n / 2;
  }

  @Override
  public Plaintext encode(double[] values, double scale) {
    return encode(values, new double[0], scale, ctx.top);
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
    if (level < 0 || level > ctx.top) {
      throw new IncompatibleOperandsException("level " + level + " outside [0, " + ctx.top + "]");
    }
    int count = Math.max(real.length, imag.length);
    double[] re = java.util.Arrays.copyOf(real, count);
    double[] im = java.util.Arrays.copyOf(imag, count);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_plaintext_ckks_encode(ctx.ptr(), re, im, count, scale, level,
        out));
    ctx.fence();
    return ctx.newPt(out.getValue(), level, scale);
  }

  @Override
  public double[] decode(Plaintext plaintext) {
    return decodeComplex(plaintext)[0];
  }

  @Override
  public double[][] decodeComplex(Plaintext plaintext) {
    Pt p = ctx.pt(plaintext);
    double[] re = new double[ctx.n / 2];
    double[] im = new double[ctx.n / 2];
    SealNative.check(ctx.lib.oml_plaintext_ckks_decode(ctx.ptr(), p.pointer(), re, im));
    ctx.fence(p);
    return new double[][] {re, im};
  }
}
