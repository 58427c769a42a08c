package dev.oml.he.seal.internal;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import dev.oml.he.Ciphertext;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.Evaluator;
import dev.oml.he.FloodingBudget;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeScheme;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.NoiseBudgetException;
import dev.oml.he.Plaintext;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.seal.internal.SealObjects.Ct;
import dev.oml.he.seal.internal.SealObjects.Gk;
import dev.oml.he.seal.internal.SealObjects.Pk;
import dev.oml.he.seal.internal.SealObjects.Pt;
import dev.oml.he.seal.internal.SealObjects.Rk;
import java.util.ArrayList;
import java.util.List;

/**
 * SEAL's evaluator behind the API: one native call per operation, results as new ciphertexts.
 * Level and scale mismatches are refused here with the same messages as the pure-Java engine
 * before SEAL sees them; the native layer checks again.
 */
final class SealEvaluator implements Evaluator {
  private final SealContext ctx;

  SealEvaluator(SealContext ctx) {
    this.ctx = ctx;
  }

  private void sameLevelAndScale(Ct a, Ct b) {
    if (a.level != b.level) {
      throw new IncompatibleOperandsException(
          "operands at levels " + a.level + " and " + b.level + ": switch one down first");
    }
    sameScale(a.scale, b.scale);
  }

  private void sameScale(double x, double y) {
    if (ctx.parameters().scheme() == HeScheme.CKKS
        && Math.abs(x - y) > 1e-9 * Math.max(x, y)) {
      throw new IncompatibleOperandsException(String.format(
          "operands at scales 2^%.3f and 2^%.3f: rescale to match first",
          Math.log(x) / Math.log(2), Math.log(y) / Math.log(2)));
    }
  }

  private interface Binary {
    int call(Pointer ctx, Pointer a, Pointer b, PointerByReference out);
  }

  private Ciphertext binary(Ct a, Ct b, Binary op) {
    PointerByReference out = new PointerByReference();
    SealNative.check(op.call(ctx.ptr(), a.pointer(), b.pointer(), out));
    ctx.fence(a, b);
    return ctx.newCt(out);
  }

  @Override
  public Ciphertext add(Ciphertext x, Ciphertext y) {
    Ct a = ctx.evalCt(x);
    Ct b = ctx.evalCt(y);
    sameLevelAndScale(a, b);
    return binary(a, b, ctx.lib::oml_evaluator_add);
  }

  @Override
  public Ciphertext sub(Ciphertext x, Ciphertext y) {
    Ct a = ctx.evalCt(x);
    Ct b = ctx.evalCt(y);
    sameLevelAndScale(a, b);
    return binary(a, b, ctx.lib::oml_evaluator_sub);
  }

  @Override
  public Ciphertext negate(Ciphertext x) {
    Ct a = ctx.evalCt(x);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_negate(ctx.ptr(), a.pointer(), out));
    ctx.fence(a);
    return ctx.newCt(out);
  }

  private void plainFits(Ct a, Pt p) {
    if (p.level < a.level) {
      throw new IncompatibleOperandsException(
          "plaintext at level " + p.level + " below the ciphertext's level " + a.level);
    }
  }

  @Override
  public Ciphertext addPlain(Ciphertext x, Plaintext plain) {
    Ct a = ctx.evalCt(x);
    Pt p = ctx.pt(plain);
    plainFits(a, p);
    sameScale(a.scale, p.scale);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_add_plain(ctx.ptr(), a.pointer(), p.pointer(), out));
    ctx.fence(a, p);
    return ctx.newCt(out);
  }

  @Override
  public Ciphertext multiplyPlain(Ciphertext x, Plaintext plain) {
    Ct a = ctx.evalCt(x);
    Pt p = ctx.pt(plain);
    plainFits(a, p);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_multiply_plain(ctx.ptr(), a.pointer(), p.pointer(),
        out));
    ctx.fence(a, p);
    return ctx.newCt(out);
  }

  /** Many products {@code x[i] * plain[i]} in one native call. */
  @Override
  public List<Ciphertext> multiplyPlain(List<? extends Ciphertext> xs, List<? extends Plaintext> ps) {
    if (xs.size() != ps.size()) {
      throw new IllegalArgumentException(
          xs.size() + " ciphertexts but " + ps.size() + " plaintexts");
    }
    int count = xs.size();
    Ct[] a = new Ct[count];
    Pt[] p = new Pt[count];
    Pointer[] ap = new Pointer[count];
    Pointer[] pp = new Pointer[count];
    for (int i = 0; i < count; i++) {
      a[i] = ctx.evalCt(xs.get(i));
      p[i] = ctx.pt(ps.get(i));
      plainFits(a[i], p[i]);
      ap[i] = a[i].pointer();
      pp[i] = p[i].pointer();
    }
    Pointer[] out = new Pointer[count];
    if (count > 0) {
      SealNative.check(ctx.lib.oml_evaluator_multiply_plain_many(ctx.ptr(), ap, pp, count, out));
    }
    ctx.fence(a, p);
    List<Ciphertext> result = new ArrayList<>(count);
    for (Pointer o : out) {
      result.add(ctx.newCt(o));
    }
    return result;
  }

  @Override
  public Ciphertext multiply(Ciphertext x, Ciphertext y) {
    Ct a = ctx.evalCt(x);
    Ct b = ctx.evalCt(y);
    if (a.level != b.level) {
      throw new IncompatibleOperandsException(
          "operands at levels " + a.level + " and " + b.level + ": switch one down first");
    }
    return binary(a, b, ctx.lib::oml_evaluator_multiply);
  }

  @Override
  public Ciphertext relinearize(Ciphertext x, RelinKeys keys) {
    Ct a = ctx.evalCt(x);
    Rk rk = ctx.rk(keys);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_relinearize(ctx.ptr(), a.pointer(), rk.pointer(), out));
    ctx.fence(a, rk);
    return ctx.newCt(out);
  }

  @Override
  public Ciphertext multiplyAndRelinearize(Ciphertext a, Ciphertext b, RelinKeys keys) {
    Ciphertext product = multiply(a, b);
    try {
      return relinearize(product, keys);
    } finally {
      ((Ct) product).close();
    }
  }

  private Ciphertext rotation(Ciphertext x, int steps, GaloisKeys keys) {
    Ct a = ctx.evalCt(x);
    Gk gk = ctx.gk(keys);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_rotate(ctx.ptr(), a.pointer(), steps, gk.pointer(),
        out));
    ctx.fence(a, gk);
    return ctx.newCt(out);
  }

  @Override
  public Ciphertext rotateRows(Ciphertext a, int steps, GaloisKeys keys) {
    ctx.requireScheme(HeScheme.BFV, "rotateRows");
    return rotation(a, steps, keys);
  }

  @Override
  public Ciphertext rotate(Ciphertext a, int steps, GaloisKeys keys) {
    ctx.requireScheme(HeScheme.CKKS, "rotate");
    return rotation(a, steps, keys);
  }

  /**
   * The rotations in one native call. SEAL has no public API for hoisting (sharing one
   * key-switch decomposition among rotations), so each rotation is a separate SEAL rotation:
   * the results equal {@link #rotate} for each step, the cost is that of as many rotations.
   * Step 0 gives a copy of {@code a}.
   */
  @Override
  public List<Ciphertext> rotateHoisted(Ciphertext x, int[] steps, GaloisKeys keys) {
    ctx.requireScheme(HeScheme.CKKS, "rotateHoisted");
    Ct a = ctx.evalCt(x);
    Gk gk = ctx.gk(keys);
    Pointer[] out = new Pointer[steps.length];
    if (steps.length > 0) {
      SealNative.check(ctx.lib.oml_evaluator_rotate_many(ctx.ptr(), a.pointer(), steps,
          steps.length, gk.pointer(), out));
    }
    ctx.fence(a, gk);
    List<Ciphertext> result = new ArrayList<>(steps.length);
    for (Pointer o : out) {
      result.add(ctx.newCt(o));
    }
    return result;
  }

  /** CKKS: SEAL's complex conjugation, with a key from createGaloisKeysWithConjugation. */
  @Override
  public Ciphertext conjugate(Ciphertext x, GaloisKeys keys) {
    ctx.requireScheme(HeScheme.CKKS, "conjugate");
    Ct a = ctx.evalCt(x);
    Gk gk = ctx.gk(keys);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_conjugate(ctx.ptr(), a.pointer(), gk.pointer(), out));
    ctx.fence(a, gk);
    return ctx.newCt(out);
  }

  @Override
  public Ciphertext rescale(Ciphertext x) {
    Ct a = ctx.evalCt(x);
    ctx.requireScheme(HeScheme.CKKS, "rescale");
    if (a.level == 0) {
      throw new IncompatibleOperandsException("ciphertext at level 0 cannot be rescaled");
    }
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_rescale(ctx.ptr(), a.pointer(), out));
    ctx.fence(a);
    return ctx.newCt(out);
  }

  @Override
  public Ciphertext modSwitchToNext(Ciphertext x) {
    Ct a = ctx.evalCt(x);
    if (a.level == 0) {
      throw new IncompatibleOperandsException("ciphertext already at level 0");
    }
    return modSwitchTo(a, a.level - 1);
  }

  @Override
  public Ciphertext modSwitchTo(Ciphertext x, int level) {
    Ct a = ctx.evalCt(x);
    if (level < 0 || level > a.level) {
      throw new IncompatibleOperandsException(
          "cannot switch from level " + a.level + " to level " + level);
    }
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_mod_switch_to(ctx.ptr(), a.pointer(), level, out));
    ctx.fence(a);
    return ctx.newCt(out);
  }

  @Override
  public Ciphertext rerandomize(Ciphertext x, PublicKey receiverKey, FloodingBudget budget) {
    Ct a = ctx.evalCt(x);
    Pk pk = ctx.pk(receiverKey);
    if (!budget.parameterId().equals(ctx.parameters().parameterId())) {
      throw new ContextMismatchException(
          "flooding budget computed for other parameters than " + ctx.parameters().name());
    }
    if (budget.scheme() != ctx.parameters().scheme()) {
      throw new IncompatibleOperandsException("flooding budget made for another scheme");
    }
    if (a.size != 2) {
      throw new IncompatibleOperandsException("rerandomize needs a size-2 ciphertext");
    }
    if (a.scheme() == HeScheme.CKKS && budget.answerLevel() != a.level) {
      throw new IncompatibleOperandsException("CKKS flooding budget sized for level "
          + budget.answerLevel() + ", ciphertext at level " + a.level);
    }
    // BFV budgets always hold kappa >= 40 on secure parameters; CKKS budgets below 40 exist
    // only through FloodingBudget.forCkksStatedKappa, whose caller states the kappa it affords.
    if (budget.kappa() < ctx.parameters().minimumKappa() && !budget.isStatedBelowMinimum()) {
      throw new NoiseBudgetException("kappa below 40 for secure parameters");
    }
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_rerandomize(ctx.ptr(), a.pointer(), pk.pointer(),
        budget.floodBits(), out));
    ctx.fence(a, pk);
    return ctx.newCt(out);
  }
}
