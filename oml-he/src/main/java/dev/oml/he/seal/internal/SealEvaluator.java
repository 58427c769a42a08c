package dev.oml.he.seal.internal;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import dev.oml.he.Ciphertext;
import dev.oml.he.Evaluator;
import dev.oml.he.FloodingBudget;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeScheme;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.Plaintext;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.internal.GaussianFlood;
import dev.oml.he.seal.internal.SealObjects.Ct;
import dev.oml.he.seal.internal.SealObjects.Gk;
import dev.oml.he.seal.internal.SealObjects.Pk;
import dev.oml.he.seal.internal.SealObjects.Pt;
import dev.oml.he.seal.internal.SealObjects.Rk;
import java.util.ArrayList;
import java.util.List;

/**
 * SEAL's evaluator behind the API: one native call per operation, results as new ciphertexts.
 * Operands are checked by the shared {@code OperandChecks} layer, with the same types and
 * messages as the pure-Java engine, before SEAL sees them; the native layer checks again.
 */
final class SealEvaluator implements Evaluator {
  /** The most threads one key switch may use (the native layer's own bound is 64). */
  static final int MAX_KEY_SWITCH_THREADS = 16;
  private final SealContext ctx;
  /** Threads of one CKKS key switch: above 1, the native layer splits it (C ABI 7). */
  private final int threads;

  SealEvaluator(SealContext ctx) {
    this(ctx, 1);
  }

  private SealEvaluator(SealContext ctx, int threads) {
    this.ctx = ctx;
    this.threads = threads;
  }

  /**
   * CKKS rotations, hoisted rotations, conjugations, relinearizations, rescales and the inner
   * products of {@link #multiplyPlainSums} split over {@code threads} threads in
   * the native layer (the calling thread and threads of the library's own): a key switch's
   * digits, inner products and division by the special prime are independent per prime, and a
   * hoisted call's rotations after its one decomposition. The residues are this evaluator's
   * (for {@link #rotate}, {@link #conjugate}, {@link #relinearize} and {@link #rescale}:
   * SEAL's own). BFV is unaffected.
   */
  @Override
  public Evaluator withKeySwitchThreads(int threads) {
    if (threads < 1 || threads > MAX_KEY_SWITCH_THREADS) {
      throw new IllegalArgumentException("key-switch threads must be in [1, "
          + MAX_KEY_SWITCH_THREADS + "], not " + threads);
    }
    return threads == this.threads ? this : new SealEvaluator(ctx, threads);
  }

  @Override
  public int keySwitchThreads() {
    return threads;
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
    ctx.checks.sameLevelAndScale(a, b);
    return binary(a, b, ctx.lib::oml_evaluator_add);
  }

  @Override
  public Ciphertext sub(Ciphertext x, Ciphertext y) {
    Ct a = ctx.evalCt(x);
    Ct b = ctx.evalCt(y);
    ctx.checks.sameLevelAndScale(a, b);
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

  @Override
  public Ciphertext addPlain(Ciphertext x, Plaintext plain) {
    Ct a = ctx.evalCt(x);
    Pt p = ctx.pt(plain);
    ctx.checks.plainFits(a, p, true);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_add_plain(ctx.ptr(), a.pointer(), p.pointer(), out));
    ctx.fence(a, p);
    return ctx.newCt(out);
  }

  @Override
  public Ciphertext multiplyPlain(Ciphertext x, Plaintext plain) {
    Ct a = ctx.evalCt(x);
    Pt p = ctx.pt(plain);
    ctx.checks.plainFits(a, p, false);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_multiply_plain(ctx.ptr(), a.pointer(), p.pointer(),
        out));
    ctx.fence(a, p);
    return ctx.newCt(out);
  }

  /** Operands of a batch of plaintext products, checked, with their native pointers. */
  private record Products(Ct[] a, Pt[] p, Pointer[] ap, Pointer[] pp) {}

  /**
   * Gathers {@code xs} and {@code ps} (as many of each) and checks each product; an inner
   * product ({@code sum}) also needs one level, one size and one scale for every product.
   */
  private Products products(List<? extends Ciphertext> xs, List<? extends Plaintext> ps,
      boolean sum) {
    int count = xs.size();
    Ct[] a = new Ct[count];
    Pt[] p = new Pt[count];
    Pointer[] ap = new Pointer[count];
    Pointer[] pp = new Pointer[count];
    for (int i = 0; i < count; i++) {
      a[i] = ctx.evalCt(xs.get(i));
      p[i] = ctx.pt(ps.get(i));
      ctx.checks.plainFits(a[i], p[i], false);
      if (sum) {
        ctx.checks.sameLevel(a[0], a[i]);
        ctx.checks.sameScale(a[0].scale() * p[0].scale(), a[i].scale() * p[i].scale());
        if (a[i].size() != a[0].size()) {
          throw new IncompatibleOperandsException("inner product of ciphertexts of sizes "
              + a[0].size() + " and " + a[i].size());
        }
      }
      ap[i] = a[i].pointer();
      pp[i] = p[i].pointer();
    }
    return new Products(a, p, ap, pp);
  }

  /** Many products {@code x[i] * plain[i]} in one native call. */
  @Override
  public List<Ciphertext> multiplyPlain(List<? extends Ciphertext> xs, List<? extends Plaintext> ps) {
    if (xs.size() != ps.size()) {
      throw new IllegalArgumentException(
          xs.size() + " ciphertexts but " + ps.size() + " plaintexts");
    }
    Products g = products(xs, ps, false);
    int count = xs.size();
    Pointer[] out = new Pointer[count];
    if (count > 0) {
      SealNative.check(ctx.lib.oml_evaluator_multiply_plain_many(ctx.ptr(), g.ap(), g.pp(), count,
          out));
    }
    ctx.fence(g.a(), g.p());
    return wrapAll(out);
  }

  /**
   * CKKS: the inner product in one native call, accumulated in place (128-bit sums, one
   * reduction per coefficient), without a ciphertext per product or per partial sum; the
   * residues equal those of the products added one by one. BFV keeps the default.
   */
  @Override
  public Ciphertext multiplyPlainSum(List<? extends Ciphertext> xs, List<? extends Plaintext> ps) {
    if (xs.size() != ps.size() || xs.isEmpty()) {
      throw new IllegalArgumentException(xs.size() + " ciphertexts and " + ps.size()
          + " plaintexts: an inner product needs as many of each, at least one");
    }
    if (xs.get(0).scheme() != HeScheme.CKKS) {
      return Evaluator.super.multiplyPlainSum(xs, ps);
    }
    Products g = products(xs, ps, true);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_multiply_plain_sum(ctx.ptr(), g.ap(), g.pp(),
        xs.size(), out));
    ctx.fence(g.a(), g.p());
    return ctx.newCt(out);
  }

  /**
   * CKKS: all rows in one native call that reads each ciphertext once for every row (one
   * inner product per call reads it once per row), its primes shared out over this evaluator's
   * threads ({@link #withKeySwitchThreads}); each row's residues are {@link #multiplyPlainSum}'s.
   * BFV keeps the default.
   */
  @Override
  public List<Ciphertext> multiplyPlainSums(List<? extends Ciphertext> xs, Plaintext[][] ps) {
    int count = xs.size();
    if (count == 0 || ps.length == 0) {
      throw new IllegalArgumentException("inner products need at least one ciphertext and row");
    }
    if (xs.get(0).scheme() != HeScheme.CKKS) {
      return Evaluator.super.multiplyPlainSums(xs, ps);
    }
    Ct[] a = new Ct[count];
    Pointer[] ap = new Pointer[count];
    for (int i = 0; i < count; i++) {
      a[i] = ctx.evalCt(xs.get(i));
      ctx.checks.sameLevel(a[0], a[i]);
      if (a[i].size() != a[0].size()) {
        throw new IncompatibleOperandsException("inner product of ciphertexts of sizes "
            + a[0].size() + " and " + a[i].size());
      }
      ap[i] = a[i].pointer();
    }
    List<Pt> kept = new ArrayList<>();
    Pointer[] pp = new Pointer[ps.length * count];
    for (int j = 0; j < ps.length; j++) {
      if (ps[j].length != count) {
        throw new IllegalArgumentException(count + " ciphertexts but a row of " + ps[j].length
            + " plaintexts");
      }
      double scale = 0;
      boolean first = true;
      for (int i = 0; i < count; i++) {
        if (ps[j][i] == null) {
          continue;
        }
        Pt p = ctx.pt(ps[j][i]);
        ctx.checks.plainFits(a[i], p, false);
        double s = a[i].scale() * p.scale();
        if (!first) {
          ctx.checks.sameScale(scale, s);
        }
        scale = s;
        first = false;
        kept.add(p);
        pp[j * count + i] = p.pointer();
      }
    }
    Pointer[] out = new Pointer[ps.length];
    SealNative.check(ctx.lib.oml_evaluator_multiply_plain_sums(ctx.ptr(), ap, count, pp,
        ps.length, threads, out));
    ctx.fence(a, kept.toArray(new Pt[0]));
    List<Ciphertext> result = new ArrayList<>(out.length);
    for (Pointer o : out) {
      result.add(o == null ? null : ctx.newCt(o));
    }
    return result;
  }

  private List<Ciphertext> wrapAll(Pointer[] out) {
    List<Ciphertext> result = new ArrayList<>(out.length);
    for (Pointer o : out) {
      result.add(ctx.newCt(o));
    }
    return result;
  }

  /**
   * One native call for all rows: the constants are rounded here exactly as the pure-Java
   * engine rounds them, and summed in SEAL's NTT domain with 128-bit accumulation.
   */
  @Override
  public List<Ciphertext> multiplyConstantSums(List<? extends Ciphertext> xs, double[][] weights,
      double constantScale) {
    if (xs.isEmpty()) {
      throw new IllegalArgumentException("a sum of constant products needs at least one term");
    }
    ctx.checks.requireScheme(HeScheme.CKKS, "multiplyConstantSums");
    int count = xs.size();
    Ct[] a = new Ct[count];
    Pointer[] ap = new Pointer[count];
    for (int i = 0; i < count; i++) {
      a[i] = ctx.evalCt(xs.get(i));
      ctx.checks.sizeTwo(a[i], "multiplyConstantSums");
      ctx.checks.sameLevelAndScale(a[0], a[i]);
      ap[i] = a[i].pointer();
    }
    long[] constants = new long[weights.length * count];
    for (int j = 0; j < weights.length; j++) {
      if (weights[j].length != count) {
        throw new IllegalArgumentException("row " + j + " has " + weights[j].length
            + " weights for " + count + " ciphertexts");
      }
      for (int i = 0; i < count; i++) {
        double v = weights[j][i] * constantScale;
        if (!(Math.abs(v) < 0x1p62)) {
          throw new IllegalArgumentException("a weight times the constant scale does not fit 63 bits");
        }
        constants[j * count + i] = Math.round(v);
      }
    }
    Pointer[] out = new Pointer[weights.length];
    if (weights.length > 0) {
      SealNative.check(ctx.lib.oml_evaluator_multiply_constant_sums(ctx.ptr(), ap, count,
          constants, weights.length, constantScale, out));
    }
    ctx.fence((Object[]) a);
    return wrapAll(out);
  }

  @Override
  public Ciphertext multiply(Ciphertext x, Ciphertext y) {
    Ct a = ctx.evalCt(x);
    Ct b = ctx.evalCt(y);
    ctx.checks.sameLevel(a, b);
    ctx.checks.sizeTwo(a, "multiply");
    ctx.checks.sizeTwo(b, "multiply");
    return binary(a, b, ctx.lib::oml_evaluator_multiply);
  }

  @Override
  public Ciphertext relinearize(Ciphertext x, RelinKeys keys) {
    Ct a = ctx.evalCt(x);
    Rk rk = ctx.rk(keys);
    PointerByReference out = new PointerByReference();
    SealNative.check(threads > 1 && a.scheme() == HeScheme.CKKS
        ? ctx.lib.oml_evaluator_relinearize_threads(ctx.ptr(), a.pointer(), rk.pointer(),
            threads, out)
        : ctx.lib.oml_evaluator_relinearize(ctx.ptr(), a.pointer(), rk.pointer(), out));
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
    ctx.checks.sizeTwo(a, "rotation");
    PointerByReference out = new PointerByReference();
    SealNative.check(threads > 1 && a.scheme() == HeScheme.CKKS
        ? ctx.lib.oml_evaluator_rotate_threads(ctx.ptr(), a.pointer(), steps, gk.pointer(),
            threads, out)
        : ctx.lib.oml_evaluator_rotate(ctx.ptr(), a.pointer(), steps, gk.pointer(), out));
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
   * The rotations in one native call sharing one key-switch decomposition of {@code a}
   * (hoisting, done in the native layer: SEAL itself has none). The results decrypt as
   * {@link #rotate}'s do, within the same key-switching error, though their residues differ.
   * Step 0 gives a copy of {@code a}.
   */
  @Override
  public List<Ciphertext> rotateHoisted(Ciphertext x, int[] steps, GaloisKeys keys) {
    return rotations(x, steps, keys, true);
  }

  /** {@link #rotateHoisted}'s rotations done as separate SEAL rotations (for comparison). */
  List<Ciphertext> rotateEach(Ciphertext x, int[] steps, GaloisKeys keys) {
    return rotations(x, steps, keys, false);
  }

  private List<Ciphertext> rotations(Ciphertext x, int[] steps, GaloisKeys keys,
      boolean hoisted) {
    ctx.requireScheme(HeScheme.CKKS, "rotateHoisted");
    Ct a = ctx.evalCt(x);
    Gk gk = ctx.gk(keys);
    ctx.checks.sizeTwo(a, "rotation");
    Pointer[] out = new Pointer[steps.length];
    if (steps.length > 0) {
      SealNative.check(hoisted && threads > 1
          ? ctx.lib.oml_evaluator_rotate_hoisted_threads(ctx.ptr(), a.pointer(), steps,
              steps.length, gk.pointer(), threads, out)
          : hoisted
          ? ctx.lib.oml_evaluator_rotate_hoisted(ctx.ptr(), a.pointer(), steps, steps.length,
              gk.pointer(), out)
          : ctx.lib.oml_evaluator_rotate_many(ctx.ptr(), a.pointer(), steps, steps.length,
              gk.pointer(), out));
    }
    ctx.fence(a, gk);
    return wrapAll(out);
  }

  /** CKKS: SEAL's complex conjugation, with a key from createGaloisKeysWithConjugation. */
  @Override
  public Ciphertext conjugate(Ciphertext x, GaloisKeys keys) {
    ctx.requireScheme(HeScheme.CKKS, "conjugate");
    Ct a = ctx.evalCt(x);
    Gk gk = ctx.gk(keys);
    ctx.checks.sizeTwo(a, "conjugation");
    PointerByReference out = new PointerByReference();
    SealNative.check(threads > 1
        ? ctx.lib.oml_evaluator_conjugate_threads(ctx.ptr(), a.pointer(), gk.pointer(), threads,
            out)
        : ctx.lib.oml_evaluator_conjugate(ctx.ptr(), a.pointer(), gk.pointer(), out));
    ctx.fence(a, gk);
    return ctx.newCt(out);
  }

  @Override
  public Ciphertext rescale(Ciphertext x) {
    Ct a = ctx.evalCt(x);
    ctx.requireScheme(HeScheme.CKKS, "rescale");
    ctx.checks.aboveLevelZero(a, "rescale");
    PointerByReference out = new PointerByReference();
    SealNative.check(threads > 1
        ? ctx.lib.oml_evaluator_rescale_threads(ctx.ptr(), a.pointer(), threads, out)
        : ctx.lib.oml_evaluator_rescale(ctx.ptr(), a.pointer(), out));
    ctx.fence(a);
    return ctx.newCt(out);
  }

  @Override
  public Ciphertext modSwitchToNext(Ciphertext x) {
    Ct a = ctx.evalCt(x);
    ctx.checks.aboveLevelZero(a, "modulus switching");
    return modSwitchTo(a, a.level - 1);
  }

  @Override
  public Ciphertext modSwitchTo(Ciphertext x, int level) {
    Ct a = ctx.evalCt(x);
    ctx.checks.switchTarget(a, level);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_evaluator_mod_switch_to(ctx.ptr(), a.pointer(), level, out));
    ctx.fence(a);
    return ctx.newCt(out);
  }

  @Override
  public Ciphertext rerandomize(Ciphertext x, PublicKey receiverKey, FloodingBudget budget) {
    Ct a = ctx.evalCt(x);
    Pk pk = ctx.pk(receiverKey);
    ctx.checks.floodingBudget(budget, a);
    PointerByReference out = new PointerByReference();
    if (budget.isGaussian() && budget.gaussianSigma() > GaussianFlood.FINE_SIGMA) {
      long[][] parts = GaussianFlood.sampleWide(ctx.n, budget.gaussianSigma());
      long[] flat = new long[parts.length * ctx.n];
      for (int t = 0; t < parts.length; t++) {
        System.arraycopy(parts[t], 0, flat, t * ctx.n, ctx.n);
      }
      SealNative.check(ctx.lib.oml_evaluator_rerandomize_noise_wide(ctx.ptr(), a.pointer(),
          pk.pointer(), flat, parts.length, GaussianFlood.WIDE_SHIFT, ctx.n, out));
      ctx.fence(a, pk);
      return ctx.newCt(out);
    }
    if (budget.isGaussian()) {
      // The noise is drawn in Java, by the sampler the pure-Java engine uses as well.
      long[] noise = GaussianFlood.sample(ctx.n, budget.gaussianSigma());
      SealNative.check(ctx.lib.oml_evaluator_rerandomize_noise(ctx.ptr(), a.pointer(),
          pk.pointer(), noise, noise.length, out));
      ctx.fence(a, pk);
      return ctx.newCt(out);
    }
    SealNative.check(ctx.lib.oml_evaluator_rerandomize(ctx.ptr(), a.pointer(), pk.pointer(),
        budget.floodBits(), out));
    ctx.fence(a, pk);
    return ctx.newCt(out);
  }
}
