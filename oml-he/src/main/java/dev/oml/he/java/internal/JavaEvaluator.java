package dev.oml.he.java.internal;

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
import dev.oml.he.java.internal.JavaObjects.Ct;
import dev.oml.he.java.internal.JavaObjects.Gk;
import dev.oml.he.java.internal.JavaObjects.Ksk;
import dev.oml.he.java.internal.JavaObjects.Pk;
import dev.oml.he.java.internal.JavaObjects.Pt;

/** Homomorphic operations of the pure-Java backend. */
final class JavaEvaluator implements Evaluator {
  private final JavaContext ctx;

  JavaEvaluator(JavaContext ctx) {
    this.ctx = ctx;
  }

  private Ct make(Ct like, long[][][] c, double scale) {
    return new Ct(ctx.id, ctx.scheme, like.level, scale, c, null);
  }

  private Ct combine(Ciphertext x, Ciphertext y, boolean subtract) {
    Ct a = ctx.evalCt(x);
    Ct b = ctx.evalCt(y);
    ctx.checks.sameLevelAndScale(a, b);
    int cnt = a.level + 1;
    int size = Math.max(a.c.length, b.c.length);
    long[][][] c = new long[size][][];
    for (int i = 0; i < size; i++) {
      c[i] = i < a.c.length ? RnsRing.copy(a.c[i], cnt) : ctx.ring.newRows(cnt);
      if (i < b.c.length) {
        if (subtract) {
          ctx.ring.subInto(c[i], b.c[i], cnt);
        } else {
          ctx.ring.addInto(c[i], b.c[i], cnt);
        }
      }
    }
    return make(a, c, a.scale);
  }

  @Override
  public Ciphertext add(Ciphertext a, Ciphertext b) {
    return combine(a, b, false);
  }

  @Override
  public Ciphertext sub(Ciphertext a, Ciphertext b) {
    return combine(a, b, true);
  }

  @Override
  public Ciphertext negate(Ciphertext x) {
    Ct a = ctx.evalCt(x);
    int cnt = a.level + 1;
    long[][][] c = new long[a.c.length][][];
    for (int i = 0; i < c.length; i++) {
      c[i] = RnsRing.copy(a.c[i], cnt);
      ctx.ring.negInto(c[i], cnt);
    }
    return make(a, c, a.scale);
  }

  private long[][] plainRows(Pt p, Ct a, boolean scaled) {
    int cnt = a.level + 1;
    ctx.checks.plainFits(a, p, scaled);
    if (p.scheme == HeScheme.BFV) {
      if (scaled) {
        long[][] m = ctx.bfvScale(p.bfv, a.level);
        ctx.ring.toNtt(m, cnt);
        return m;
      }
      // Cached: one plaintext is typically multiplied into many ciphertexts.
      return p.lifted(a.level, l -> ctx.bfvPlainNtt(p.bfv, l));
    }
    return p.rows;
  }

  @Override
  public Ciphertext addPlain(Ciphertext x, Plaintext y) {
    Ct a = ctx.evalCt(x);
    Pt p = ctx.pt(y);
    int cnt = a.level + 1;
    long[][][] c = new long[a.c.length][][];
    for (int i = 0; i < c.length; i++) {
      c[i] = RnsRing.copy(a.c[i], cnt);
    }
    ctx.ring.addInto(c[0], plainRows(p, a, true), cnt);
    return make(a, c, a.scale);
  }

  @Override
  public Ciphertext multiplyPlain(Ciphertext x, Plaintext y) {
    Ct a = ctx.evalCt(x);
    Pt p = ctx.pt(y);
    long[][] m = plainRows(p, a, false);
    int cnt = a.level + 1;
    // Shoup companions are worth it from the second product on; a plaintext is used at least
    // once per component, and they are cached for later products.
    long[][] ms = p.companions(a.level, l -> ctx.ring.shoupRows(m, l + 1));
    long[][][] c = new long[a.c.length][][];
    for (int i = 0; i < c.length; i++) {
      c[i] = ctx.ring.newRows(cnt);
      ctx.ring.mulAddShoupInto(c[i], a.c[i], m, ms, cnt);
    }
    return make(a, c, a.scale * p.scale);
  }

  /**
   * Accumulates every product into one ciphertext (Shoup products into the same rows), so a
   * diagonal matrix-vector product allocates one ciphertext per sum, not two per term.
   */
  @Override
  public Ciphertext multiplyPlainSum(java.util.List<? extends Ciphertext> xs,
      java.util.List<? extends Plaintext> ps) {
    if (xs.size() != ps.size() || xs.isEmpty()) {
      throw new IllegalArgumentException(xs.size() + " ciphertexts and " + ps.size()
          + " plaintexts: an inner product needs as many of each, at least one");
    }
    Ct first = ctx.evalCt(xs.get(0));
    Pt firstPlain = ctx.pt(ps.get(0));
    double scale = first.scale * firstPlain.scale;
    int cnt = first.level + 1;
    long[][][] c = new long[first.c.length][][];
    for (int i = 0; i < c.length; i++) {
      c[i] = ctx.ring.newRows(cnt);
    }
    for (int t = 0; t < xs.size(); t++) {
      Ct a = ctx.evalCt(xs.get(t));
      Pt p = ctx.pt(ps.get(t));
      ctx.checks.sameLevel(first, a);
      ctx.checks.sameScale(scale, a.scale * p.scale);
      if (a.c.length != c.length) {
        throw new IncompatibleOperandsException("inner product of ciphertexts of sizes "
            + c.length + " and " + a.c.length);
      }
      long[][] m = plainRows(p, a, false);
      long[][] ms = p.companions(a.level, l -> ctx.ring.shoupRows(m, l + 1));
      for (int i = 0; i < c.length; i++) {
        ctx.ring.mulAddShoupInto(c[i], a.c[i], m, ms, cnt);
      }
    }
    return make(first, c, scale);
  }

  @Override
  public Ciphertext multiply(Ciphertext x, Ciphertext y) {
    Ct a = ctx.evalCt(x);
    Ct b = ctx.evalCt(y);
    ctx.checks.sameLevel(a, b);
    ctx.checks.sizeTwo(a, "multiply");
    ctx.checks.sizeTwo(b, "multiply");
    if (a.scheme == HeScheme.BFV) {
      return make(a, ctx.multiplier(a.level).multiply(a.c, b.c), 1.0);
    }
    int cnt = a.level + 1;
    long[][] d0 = ctx.ring.mul(a.c[0], b.c[0], cnt);
    long[][] d1 = ctx.ring.mul(a.c[0], b.c[1], cnt);
    ctx.ring.mulAddInto(d1, a.c[1], b.c[0], cnt);
    long[][] d2 = ctx.ring.mul(a.c[1], b.c[1], cnt);
    return make(a, new long[][][] {d0, d1, d2}, a.scale * b.scale);
  }

  @Override
  public Ciphertext relinearize(Ciphertext x, RelinKeys keys) {
    Ct a = ctx.evalCt(x);
    Ksk ksk = ctx.rk(keys).ksk;
    if (a.c.length == 2) {
      return a;
    }
    if (a.c.length != 3) {
      throw new IncompatibleOperandsException("relinearize needs a size-3 ciphertext");
    }
    int cnt = a.level + 1;
    long[][] d2 = RnsRing.copy(a.c[2], cnt);
    ctx.ring.fromNtt(d2, cnt);
    long[][][] u = ctx.keySwitcher.keySwitch(d2, a.c[2], ksk, a.level);
    long[][] c0 = RnsRing.copy(a.c[0], cnt);
    long[][] c1 = RnsRing.copy(a.c[1], cnt);
    ctx.ring.addInto(c0, u[0], cnt);
    ctx.ring.addInto(c1, u[1], cnt);
    return make(a, new long[][][] {c0, c1}, a.scale);
  }

  @Override
  public Ciphertext multiplyAndRelinearize(Ciphertext a, Ciphertext b, RelinKeys keys) {
    ctx.rk(keys);
    return relinearize(multiply(a, b), keys);
  }

  private Ciphertext applyGalois(Ct a, int steps, GaloisKeys keys) {
    return applyElement(a, JavaKeyGenerator.galoisElement(ctx, steps), keys,
        "a rotation by " + steps + " steps: generate it with createGaloisKeys");
  }

  @Override
  public Ciphertext conjugate(Ciphertext x, GaloisKeys keys) {
    Ct a = ctx.evalCt(x);
    ctx.requireScheme(HeScheme.CKKS, "conjugate");
    return applyElement(a, 2 * ctx.n - 1, keys,
        "conjugation: generate it with createGaloisKeysWithConjugation");
  }

  private Ciphertext applyElement(Ct a, int g, GaloisKeys keys, String missing) {
    Gk gk = ctx.gk(keys);
    ctx.checks.sizeTwo(a, "rotation");
    if (g == 1) {
      return a;
    }
    Ksk ksk = gk.keys.get(g);
    if (ksk == null) {
      throw new IncompatibleOperandsException("no Galois key for " + missing);
    }
    int cnt = a.level + 1;
    // Decompose c1 and permute its digits in the NTT domain (as a hoisted rotation does):
    // sigma commutes with the digits up to representatives, whose difference the division by
    // P absorbs, and c0 is only permuted; no transform of c0 and none of digit i at q_i.
    long[][] c1 = RnsRing.copy(a.c[1], cnt);
    ctx.ring.fromNtt(c1, cnt);
    long[][][] digits = ctx.keySwitcher.decompose(c1, a.c[1], a.level);
    int[] perm = ctx.ring.nttAutomorphismPermutation(g);
    long[][] r0 = RnsRing.permuteRows(a.c[0], cnt, perm);
    long[][][] u = ctx.keySwitcher.keySwitchDigits(digits, ksk, a.level, perm);
    ctx.ring.addInto(r0, u[0], cnt);
    return make(a, new long[][][] {r0, u[1]}, a.scale);
  }

  @Override
  public Ciphertext rotateRows(Ciphertext x, int steps, GaloisKeys keys) {
    Ct a = ctx.evalCt(x);
    ctx.requireScheme(HeScheme.BFV, "rotateRows");
    if (ctx.slotMap == null) {
      throw new IncompatibleOperandsException("rotateRows needs BATCHING encoding");
    }
    return applyGalois(a, steps, keys);
  }

  @Override
  public Ciphertext rotate(Ciphertext x, int steps, GaloisKeys keys) {
    Ct a = ctx.evalCt(x);
    ctx.requireScheme(HeScheme.CKKS, "rotate");
    return applyGalois(a, steps, keys);
  }

  @Override
  public java.util.List<Ciphertext> rotateHoisted(Ciphertext x, int[] steps, GaloisKeys keys) {
    Ct a = ctx.evalCt(x);
    ctx.requireScheme(HeScheme.CKKS, "rotateHoisted");
    Gk gk = ctx.gk(keys);
    ctx.checks.sizeTwo(a, "rotation");
    Ksk[] ksks = new Ksk[steps.length];
    int[] elements = new int[steps.length];
    for (int k = 0; k < steps.length; k++) {
      elements[k] = JavaKeyGenerator.galoisElement(ctx, steps[k]);
      ksks[k] = elements[k] == 1 ? null : gk.keys.get(elements[k]);
      if (elements[k] != 1 && ksks[k] == null) {
        throw new IncompatibleOperandsException("no Galois key for a rotation by " + steps[k]
            + " steps: generate it with createGaloisKeys");
      }
    }
    int cnt = a.level + 1;
    long[][] c1 = RnsRing.copy(a.c[1], cnt);
    ctx.ring.fromNtt(c1, cnt);
    // One decomposition for all rotations: the digits of sigma(c1) are sigma of the digits
    // (up to representatives), so each rotation only permutes them in the NTT domain.
    long[][][] digits = ctx.keySwitcher.decompose(c1, a.c[1], a.level);
    java.util.List<Ciphertext> out = new java.util.ArrayList<>();
    for (int k = 0; k < steps.length; k++) {
      if (ksks[k] == null) {
        out.add(a);
        continue;
      }
      int[] perm = ctx.ring.nttAutomorphismPermutation(elements[k]);
      long[][] r0 = RnsRing.permuteRows(a.c[0], cnt, perm);
      long[][][] u = ctx.keySwitcher.keySwitchDigits(digits, ksks[k], a.level, perm);
      ctx.ring.addInto(r0, u[0], cnt);
      out.add(make(a, new long[][][] {r0, u[1]}, a.scale));
    }
    return out;
  }

  @Override
  public Ciphertext rescale(Ciphertext x) {
    Ct a = ctx.evalCt(x);
    ctx.requireScheme(HeScheme.CKKS, "rescale");
    ctx.checks.aboveLevelZero(a, "rescale");
    double q = ctx.mods[a.level].q;
    return new Ct(ctx.id, ctx.scheme, a.level - 1, a.scale / q,
        ctx.ring.dropLastPrime(a.c, a.level),
        null);
  }

  @Override
  public Ciphertext modSwitchToNext(Ciphertext x) {
    Ct a = ctx.evalCt(x);
    ctx.checks.aboveLevelZero(a, "modulus switching");
    if (a.scheme == HeScheme.CKKS) {
      // CKKS keeps m + e modulo each remaining prime: dropping the last one changes nothing
      // else (scale and noise stay), which aligns levels without a rescale.
      long[][][] c = new long[a.c.length][][];
      for (int i = 0; i < c.length; i++) {
        c[i] = RnsRing.copy(a.c[i], a.level);
      }
      return new Ct(ctx.id, ctx.scheme, a.level - 1, a.scale, c, null);
    }
    return new Ct(ctx.id, ctx.scheme, a.level - 1, 1.0, ctx.ring.dropLastPrime(a.c, a.level), null);
  }

  @Override
  public Ciphertext modSwitchTo(Ciphertext x, int level) {
    Ct a = ctx.evalCt(x);
    ctx.checks.switchTarget(a, level);
    Ciphertext r = a;
    while (r.level() > level) {
      r = modSwitchToNext(r);
    }
    return r;
  }

  @Override
  public Ciphertext rerandomize(Ciphertext x, PublicKey receiverKey, FloodingBudget budget) {
    Ct a = ctx.evalCt(x);
    Pk pk = ctx.pk(receiverKey);
    ctx.checks.floodingBudget(budget, a);
    if (budget.isGaussian() && budget.gaussianSigma() > GaussianFlood.FINE_SIGMA) {
      long[][] parts = GaussianFlood.sampleWide(ctx.n, budget.gaussianSigma());
      int cnt = a.level + 1;
      long[][] noise = ctx.ring.liftNtt(parts[0], cnt);
      for (int t = 1; t < parts.length; t++) {
        long[][] low = ctx.ring.liftNtt(parts[t], cnt);
        for (int i = 0; i < cnt; i++) {
          Modulus m = ctx.mods[i];
          long step = m.pow(2, GaussianFlood.WIDE_SHIFT);
          for (int j = 0; j < ctx.n; j++) {
            noise[i][j] = m.add(m.mul(noise[i][j], step), low[i][j]);
          }
        }
      }
      return addFreshAndNoise(a, pk, noise);
    }
    if (budget.isGaussian()) {
      return addFreshAndNoise(a, pk,
          ctx.ring.liftNtt(GaussianFlood.sample(ctx.n, budget.gaussianSigma()), a.level + 1));
    }
    return addFreshAndFlood(a, pk, null, budget.floodBits());
  }

  /** {@code a + Enc_pk(mask) + (flood, 0)}: the circuit-privacy step. */
  Ct addFreshAndFlood(Ct a, Pk pk, long[][] maskScaledNtt, int floodBits) {
    Ct fresh = ctx.encryption.encryptPublic(pk, maskScaledNtt, a.level, a.scale);
    return sumWithNoise(a, fresh, floodNtt(floodBits, a.level));
  }

  /** {@code a + Enc_pk(0) + (noise, 0)} with the noise given as NTT rows. */
  private Ct addFreshAndNoise(Ct a, Pk pk, long[][] noiseNtt) {
    return sumWithNoise(a, ctx.encryption.encryptPublic(pk, null, a.level, a.scale), noiseNtt);
  }

  private Ct sumWithNoise(Ct a, Ct fresh, long[][] noiseNtt) {
    int cnt = a.level + 1;
    long[][] c0 = RnsRing.copy(a.c[0], cnt);
    long[][] c1 = RnsRing.copy(a.c[1], cnt);
    ctx.ring.addInto(c0, fresh.c[0], cnt);
    ctx.ring.addInto(c1, fresh.c[1], cnt);
    ctx.ring.addInto(c0, noiseNtt, cnt);
    return make(a, new long[][][] {c0, c1}, a.scale);
  }

  /** Uniform integers in {@code [-2^bits, 2^bits)} as NTT rows {@code 0..level}. */
  long[][] floodNtt(int bits, int level) {
    int cnt = level + 1;
    int n = ctx.n;
    int totalBits = bits + 1;
    int limbs = (totalBits + 63) / 64;
    int topBits = totalBits - 64 * (limbs - 1);
    long topMask = topBits == 64 ? -1L : (1L << topBits) - 1;
    long[][] pow = new long[cnt][limbs];
    long[] offset = new long[cnt];
    for (int i = 0; i < cnt; i++) {
      Modulus m = ctx.mods[i];
      long two64 = m.mul(m.reduceUnsigned(1L << 62), 4 % m.q);
      pow[i][0] = 1;
      for (int w = 1; w < limbs; w++) {
        pow[i][w] = m.mul(pow[i][w - 1], two64);
      }
      long off = 1;
      for (int b = 0; b < bits; b++) {
        off = m.add(off, off);
      }
      offset[i] = off;
    }
    long[][] r = ctx.ring.newRows(cnt);
    long[] limb = new long[limbs];
    Prg prg = Prg.fresh();
    for (int j = 0; j < n; j++) {
      for (int w = 0; w < limbs; w++) {
        limb[w] = prg.nextLong();
      }
      limb[limbs - 1] &= topMask;
      for (int i = 0; i < cnt; i++) {
        Modulus m = ctx.mods[i];
        long acc = 0;
        for (int w = 0; w < limbs; w++) {
          acc = m.add(acc, m.mul(m.reduceUnsigned(limb[w]), pow[i][w]));
        }
        r[i][j] = m.sub(acc, offset[i]);
      }
    }
    ctx.ring.toNtt(r, cnt);
    return r;
  }

  /** Coefficients per tile of the constant sums: a tile of every accumulator stays in cache. */
  private static final int TILE = 1024;
  /** Rows accumulated together over one input tile. */
  private static final int ROW_BLOCK = 16;

  /**
   * In the NTT domain a constant polynomial is the same value at every position, so each
   * product is one Shoup multiplication by a precomputed constant per coefficient, added
   * unreduced into the row's accumulator and reduced once per group of inputs (127 inputs at a
   * 55-bit prime, 3 at a 60-bit one); tiles of coefficients and blocks of rows keep the
   * accumulators in cache while the inputs stream by.
   */
  @Override
  public java.util.List<Ciphertext> multiplyConstantSums(
      java.util.List<? extends Ciphertext> xs, double[][] weights, double constantScale) {
    if (xs.isEmpty()) {
      throw new IllegalArgumentException("a sum of constant products needs at least one term");
    }
    Ct[] a = new Ct[xs.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = ctx.evalCt(xs.get(i));
      ctx.checks.requireScheme(HeScheme.CKKS, "multiplyConstantSums");
      ctx.checks.sizeTwo(a[i], "multiplyConstantSums");
      ctx.checks.sameLevelAndScale(a[0], a[i]);
    }
    int rows = weights.length;
    int cnt = a[0].level + 1;
    long[][] c = new long[rows][];
    for (int j = 0; j < rows; j++) {
      if (weights[j].length != a.length) {
        throw new IllegalArgumentException("row " + j + " has " + weights[j].length
            + " weights for " + a.length + " ciphertexts");
      }
      c[j] = new long[a.length];
      for (int i = 0; i < a.length; i++) {
        double v = weights[j][i] * constantScale;
        if (!(Math.abs(v) < 0x1p62)) {
          throw new IllegalArgumentException("a weight times the constant scale does not fit 63 bits");
        }
        c[j][i] = Math.round(v);
      }
    }
    long[][][][] out = new long[rows][2][cnt][ctx.ring.n];
    int n = ctx.ring.n;
    for (int r = 0; r < cnt; r++) {
      Modulus m = ctx.ring.mods[r];
      long q = m.q;
      for (int j0 = 0; j0 < rows; j0 += ROW_BLOCK) {
        int j1 = Math.min(rows, j0 + ROW_BLOCK);
        long[][] wr = new long[j1 - j0][a.length];
        long[][] wsr = new long[j1 - j0][a.length];
        for (int j = j0; j < j1; j++) {
          for (int i = 0; i < a.length; i++) {
            wr[j - j0][i] = Math.floorMod(c[j][i], q);
            wsr[j - j0][i] = m.shoup(wr[j - j0][i]);
          }
        }
        // A Shoup product without its final correction lies in [0, 2q): an accumulator below q
        // takes `group` of them before it could reach 2^63, then is reduced once.
        int group = (int) Math.min(a.length, (Long.MAX_VALUE - q) / (2 * q));
        for (int t0 = 0; t0 < n; t0 += TILE) {
          int t1 = Math.min(n, t0 + TILE);
          for (int comp = 0; comp < 2; comp++) {
            for (int i0 = 0; i0 < a.length; i0 += group) {
              int i1 = Math.min(a.length, i0 + group);
              for (int i = i0; i < i1; i++) {
                long[] x = a[i].c[comp][r];
                for (int j = j0; j < j1; j++) {
                  long cw = wr[j - j0][i];
                  if (cw == 0) {
                    continue;
                  }
                  long cs = wsr[j - j0][i];
                  long[] z = out[j][comp][r];
                  for (int k = t0; k < t1; k++) {
                    long xv = x[k];
                    z[k] += xv * cw - (Math.multiplyHigh(xv, cs) + ((cs >> 63) & xv)) * q;
                  }
                }
              }
              for (int j = j0; j < j1; j++) {
                long[] z = out[j][comp][r];
                for (int k = t0; k < t1; k++) {
                  z[k] = m.reduceUnsigned(z[k]);
                }
              }
            }
          }
        }
      }
    }
    java.util.List<Ciphertext> res = new java.util.ArrayList<>(rows);
    for (int j = 0; j < rows; j++) {
      res.add(make(a[0], out[j], a[0].scale * constantScale));
    }
    return res;
  }
}
