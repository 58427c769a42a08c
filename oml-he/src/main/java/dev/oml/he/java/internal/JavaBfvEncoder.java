package dev.oml.he.java.internal;

import dev.oml.he.BfvEncoder;
import dev.oml.he.BfvEncoding;
import dev.oml.he.HeScheme;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.Plaintext;
import dev.oml.he.java.internal.JavaObjects.Pt;

/** BFV encoder: coefficients as given, or batching through an NTT modulo {@code t}. */
final class JavaBfvEncoder implements BfvEncoder {
  private final JavaContext ctx;

  JavaBfvEncoder(JavaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Plaintext encode(long[] values) {
    if (values.length > ctx.n) {
      throw new IllegalArgumentException("at most " + ctx.n + " values, got " + values.length);
    }
    long[] m = new long[ctx.n];
    if (ctx.params.bfvEncoding() == BfvEncoding.COEFFICIENT) {
      for (int i = 0; i < values.length; i++) {
        m[i] = Math.floorMod(values[i], ctx.t);
      }
    } else {
      for (int i = 0; i < values.length; i++) {
        m[ctx.slotMap[i]] = Math.floorMod(values[i], ctx.t);
      }
      ctx.tNtt.inverse(m);
    }
    return new Pt(ctx.id, m, ctx.k - 1);
  }

  @Override
  public long[] decode(Plaintext plaintext) {
    Pt p = ctx.pt(plaintext);
    if (p.scheme != HeScheme.BFV) {
      throw new IncompatibleOperandsException("not a BFV plaintext");
    }
    if (ctx.params.bfvEncoding() == BfvEncoding.COEFFICIENT) {
      return p.bfv.clone();
    }
    long[] m = p.bfv.clone();
    ctx.tNtt.forward(m);
    long[] out = new long[ctx.n];
    for (int i = 0; i < ctx.n; i++) {
      out[i] = m[ctx.slotMap[i]];
    }
    return out;
  }

  @Override
  public int slotCount() {
    return ctx.n;
  }
}
