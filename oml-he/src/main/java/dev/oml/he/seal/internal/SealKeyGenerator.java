package dev.oml.he.seal.internal;

import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.oml.he.GaloisKeys;
import dev.oml.he.KeyGenerator;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
import dev.oml.he.seal.internal.SealObjects.Gk;
import dev.oml.he.seal.internal.SealObjects.Pk;
import dev.oml.he.seal.internal.SealObjects.Rk;
import dev.oml.he.seal.internal.SealObjects.Sk;

/** SEAL's key generator for one secret key (fresh, or given). */
final class SealKeyGenerator implements KeyGenerator {
  private final SealContext ctx;
  private final Sk sk;

  SealKeyGenerator(SealContext ctx, Sk sk) {
    this.ctx = ctx;
    this.sk = sk;
  }

  @Override
  public SecretKey secretKey() {
    return sk;
  }

  @Override
  public PublicKey createPublicKey() {
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_public_key_create(ctx.ptr(), sk.pointer(), out));
    ctx.fence(sk);
    return new Pk(ctx, out.getValue());
  }

  @Override
  public RelinKeys createRelinKeys() {
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_relin_keys_create(ctx.ptr(), sk.pointer(), out));
    ctx.fence(sk);
    return new Rk(ctx, out.getValue());
  }

  @Override
  public GaloisKeys createGaloisKeys(int... steps) {
    return galoisKeys(steps, false);
  }

  /** SEAL's Galois element {@code 2N - 1} alongside the rotations' (CKKS only). */
  @Override
  public GaloisKeys createGaloisKeysWithConjugation(int... steps) {
    ctx.requireScheme(dev.oml.he.HeScheme.CKKS, "conjugation keys");
    return galoisKeys(steps, true);
  }

  private GaloisKeys galoisKeys(int[] steps, boolean conjugation) {
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_galois_keys_create(ctx.ptr(), sk.pointer(), steps.clone(),
        steps.length, conjugation ? 1 : 0, out));
    ctx.fence(sk);
    return galoisKeys(ctx, out);
  }

  static Gk galoisKeys(SealContext ctx, PointerByReference out) {
    LongByReference count = new LongByReference();
    int status = ctx.lib.oml_galois_keys_elements(out.getValue(), null, 0, count);
    int[] elements = new int[(int) count.getValue()];
    if (status == SealLibrary.OK) {
      status = ctx.lib.oml_galois_keys_elements(out.getValue(), elements, elements.length, count);
    }
    if (status != SealLibrary.OK) {
      ctx.lib.oml_galois_keys_destroy(out.getValue());
      SealNative.check(status);
    }
    return new Gk(ctx, out.getValue(), apiNumbering(ctx, elements));
  }

  /**
   * SEAL numbers a CKKS rotation by k slots {@code 3^k mod 2N}, the API (docs/he.md) numbers it
   * {@code 5^k}: each is the right automorphism for its own encoder's slot order. Reporting the
   * API's numbers keeps code that checks which rotations a key set covers backend-independent.
   * BFV rows ({@code 3^k} in both) and conjugation ({@code 2N - 1}) are numbered alike.
   */
  static int[] apiNumbering(SealContext ctx, int[] sealElements) {
    if (ctx.parameters().scheme() != dev.oml.he.HeScheme.CKKS) {
      return sealElements;
    }
    long m = 2L * ctx.n;
    java.util.Map<Integer, Integer> fromSeal = new java.util.HashMap<>();
    long g3 = 1;
    long g5 = 1;
    for (int k = 0; k < ctx.n / 2; k++) {
      fromSeal.put((int) g3, (int) g5);
      g3 = g3 * 3 % m;
      g5 = g5 * 5 % m;
    }
    int[] out = new int[sealElements.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = fromSeal.getOrDefault(sealElements[i], sealElements[i]);
    }
    java.util.Arrays.sort(out);
    return out;
  }
}
