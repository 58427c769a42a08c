package dev.oml.he.seal.internal;

import com.sun.jna.ptr.PointerByReference;
import dev.oml.he.CkksEncoder;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.Plaintext;
import dev.oml.he.internal.PreciseCkksEncoding;
import dev.oml.he.seal.internal.SealObjects.Pt;

/**
 * SEAL's CKKS encoder below a scale of {@code 2^62}: values whose magnitude times the scale
 * reaches a quarter of the level's modulus are refused (every coefficient of the inverse
 * embedding is at most the largest slot, so this is slightly stricter than computing the
 * coefficients first, as the pure-Java engine does). At {@code 2^62} and above, the shared
 * double-double encoding ({@link PreciseCkksEncoding}), handed to SEAL as residues.
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
    if (scale >= PreciseCkksEncoding.MIN_SCALE) {
      // SEAL's encoder would round in double precision; the shared double-double encoding
      // gives the same plaintext as the pure-Java engine's.
      long[] primes = java.util.Arrays.copyOf(ctx.parameters().coeffModulus(), level + 1);
      // SEAL's slot j is the root zeta^(3^j).
      long[][] rows = PreciseCkksEncoding.forDegree(ctx.n).residues(real, imag, scale, primes,
          ctx.parameters().modulusAtLevel(level).bitLength() - 2, 3);
      long[] flat = new long[rows.length * ctx.n];
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(rows[i], 0, flat, i * ctx.n, ctx.n);
      }
      PointerByReference out = new PointerByReference();
      SealNative.check(ctx.lib.oml_plaintext_ckks_from_rns(ctx.ptr(), flat, flat.length, scale,
          level, out));
      ctx.fence();
      return ctx.newPt(out.getValue(), level, scale);
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
  public Plaintext monomial(int power, int level) {
    if (power < 0 || power >= ctx.n) {
      throw new IllegalArgumentException("power " + power + " outside [0, " + ctx.n + ")");
    }
    if (level < 0 || level > ctx.top) {
      throw new IncompatibleOperandsException("level " + level + " outside [0, " + ctx.top + "]");
    }
    int primes = level + 1;
    long[] flat = new long[primes * ctx.n];
    for (int i = 0; i < primes; i++) {
      flat[i * ctx.n + power] = 1;
    }
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_plaintext_ckks_from_rns(ctx.ptr(), flat, flat.length, 1.0, level,
        out));
    ctx.fence();
    return ctx.newPt(out.getValue(), level, 1.0);
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
