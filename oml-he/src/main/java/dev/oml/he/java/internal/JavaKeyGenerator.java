package dev.oml.he.java.internal;

import dev.oml.he.GaloisKeys;
import dev.oml.he.HeScheme;
import dev.oml.he.KeyGenerator;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
import dev.oml.he.java.internal.JavaObjects.Gk;
import dev.oml.he.java.internal.JavaObjects.Ksk;
import dev.oml.he.java.internal.JavaObjects.Pk;
import dev.oml.he.java.internal.JavaObjects.Rk;
import dev.oml.he.java.internal.JavaObjects.Sk;
import java.util.HashMap;
import java.util.Map;

/** Key generation for the pure-Java backend. */
final class JavaKeyGenerator implements KeyGenerator {
  private final JavaContext ctx;
  private final Sk sk;

  JavaKeyGenerator(JavaContext ctx, Sk existing) {
    this.ctx = ctx;
    if (existing != null) {
      this.sk = existing;
    } else {
      long[] s = ctx.ring.sampleTernary(Prg.fresh());
      this.sk = new Sk(ctx.id, s, ctx.ring.liftNtt(s, ctx.mods.length));
    }
  }

  @Override
  public SecretKey secretKey() {
    return sk;
  }

  @Override
  public PublicKey createPublicKey() {
    int cnt = ctx.mods.length;
    byte[] seed = Prg.freshSeed();
    long[][] a = ctx.ring.uniformFromSeed(seed, JavaContext.DOMAIN_PK, cnt);
    long[][] e = ctx.ring.liftNtt(ctx.ring.sampleCbd(Prg.fresh()), cnt);
    long[][] p0 = ctx.ring.mul(a, sk.ntt, cnt);
    ctx.ring.negInto(p0, cnt);
    ctx.ring.addInto(p0, e, cnt);
    return new Pk(ctx.id, seed, p0, a);
  }

  @Override
  public RelinKeys createRelinKeys() {
    ctx.requireKeySwitching("relinearization keys");
    long[][] s2 = ctx.ring.mul(sk.ntt, sk.ntt, ctx.mods.length);
    return new Rk(ctx.id, ctx.keySwitcher.makeKsk(sk, s2));
  }

  @Override
  public GaloisKeys createGaloisKeys(int... steps) {
    ctx.requireKeySwitching("Galois keys");
    Map<Integer, Ksk> keys = new HashMap<>();
    for (int step : steps) {
      int g = galoisElement(ctx, step);
      if (!keys.containsKey(g)) {
        long[] rotated = RnsRing.automorphismSmall(sk.small, g);
        keys.put(g,
            ctx.keySwitcher.makeKsk(sk, ctx.ring.liftNtt(rotated, ctx.mods.length)));
      }
    }
    return new Gk(ctx.id, keys);
  }

  @Override
  public GaloisKeys createGaloisKeysWithConjugation(int... steps) {
    ctx.requireScheme(HeScheme.CKKS, "conjugation keys");
    ctx.requireKeySwitching("Galois keys");
    Gk rot = (Gk) createGaloisKeys(steps);
    Map<Integer, Ksk> keys = new HashMap<>(rot.keys);
    int g = 2 * ctx.n - 1;
    long[] conj = RnsRing.automorphismSmall(sk.small, g);
    keys.put(g, ctx.keySwitcher.makeKsk(sk, ctx.ring.liftNtt(conj, ctx.mods.length)));
    return new Gk(ctx.id, keys);
  }

  /** Rotation by {@code steps} to the left: {@code 3^steps} (BFV rows) or {@code 5^steps} (CKKS). */
  static int galoisElement(JavaContext ctx, int steps) {
    int half = ctx.n / 2;
    int s = Math.floorMod(steps, half);
    long gen = ctx.scheme == HeScheme.BFV ? 3 : 5;
    long m = 2L * ctx.n;
    long g = 1;
    for (int i = 0; i < s; i++) {
      g = (g * gen) % m;
    }
    return (int) g;
  }
}
