package dev.oml.he.seal.internal;

import com.sun.jna.ptr.PointerByReference;
import dev.oml.he.BfvEncoder;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.Plaintext;
import dev.oml.he.seal.internal.SealObjects.Pt;

/** SEAL's batch encoder, or plain coefficient placement for {@code t = 2^l}. */
final class SealBfvEncoder implements BfvEncoder {
  private final SealContext ctx;

  SealBfvEncoder(SealContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Plaintext encode(long[] values) {
    if (values.length > ctx.n) {
      throw new IllegalArgumentException("at most " + ctx.n + " values, got " + values.length);
    }
    long t = ctx.parameters().plainModulus();
    long[] reduced = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      reduced[i] = Math.floorMod(values[i], t);
    }
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_plaintext_bfv_encode(ctx.ptr(), reduced, reduced.length, out));
    ctx.fence();
    return ctx.newPt(out.getValue(), ctx.top, 1.0);
  }

  @Override
  public long[] decode(Plaintext plaintext) {
    Pt p = ctx.pt(plaintext);
    if (p.scheme() != dev.oml.he.HeScheme.BFV) {
      throw new IncompatibleOperandsException("not a BFV plaintext");
    }
    long[] out = new long[ctx.n];
    SealNative.check(ctx.lib.oml_plaintext_bfv_decode(ctx.ptr(), p.pointer(), out));
    ctx.fence(p);
    return out;
  }

  @Override
  public int slotCount() {
    return ctx.n;
  }
}
