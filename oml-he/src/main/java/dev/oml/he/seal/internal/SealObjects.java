package dev.oml.he.seal.internal;

import com.sun.jna.Pointer;
import dev.oml.he.Ciphertext;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeScheme;
import dev.oml.he.Plaintext;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;

/**
 * The SEAL backend's keys, plaintexts and ciphertexts: each owns one native SEAL object through
 * {@link NativeHandle} and carries, on the Java side, its parameter id and the metadata the API
 * reports (read once when the object is made), plus a reference to its context so that the
 * context outlives every object made under it.
 */
final class SealObjects {
  private SealObjects() {}

  /**
   * A SEAL ciphertext with its level, scale, size and representation; an extracted answer
   * (from the matrix-vector product) keeps only some coefficients of its first component.
   */
  static final class Ct extends NativeHandle implements Ciphertext {
    final SealContext ctx;
    final int level;
    final double scale;
    final int size;
    final boolean ntt;
    final boolean seeded;
    final boolean extracted;

    Ct(SealContext ctx, Pointer p, long[] info, double scale) {
      super(p, SealNative.lib()::oml_ciphertext_destroy, "ciphertext",
          // components x primes x N words, plus the compact copy of a seeded one
          8L * info[1] * (info[0] + 1) * ctx.n * (info[3] != 0 ? 3 : 2) / 2);
      this.ctx = ctx;
      this.level = (int) info[0];
      this.size = (int) info[1];
      this.ntt = info[2] != 0;
      this.seeded = info[3] != 0;
      this.extracted = info[4] != 0;
      this.scale = scale;
    }

    @Override
    public String parameterId() {
      return ctx.parameters().parameterId();
    }

    @Override
    public HeScheme scheme() {
      return ctx.parameters().scheme();
    }

    @Override
    public int level() {
      return level;
    }

    @Override
    public double scale() {
      return scale;
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public boolean isNttForm() {
      return ntt;
    }

    @Override
    public boolean isSeeded() {
      return seeded;
    }

    @Override
    public boolean isExtracted() {
      return extracted;
    }

    @Override
    public String toString() {
      return "SealCiphertext[level=" + level + ", size=" + size + ", scale=" + scale
          + (extracted ? ", extracted" : "") + "]";
    }
  }

  /** A SEAL plaintext; BFV plaintexts are level-free and report the top level. */
  static final class Pt extends NativeHandle implements Plaintext {
    final SealContext ctx;
    final int level;
    final double scale;

    Pt(SealContext ctx, Pointer p, int level, double scale) {
      super(p, SealNative.lib()::oml_plaintext_destroy, "plaintext",
          8L * ctx.n * (ctx.parameters().scheme() == HeScheme.CKKS ? level + 1 : 1));
      this.ctx = ctx;
      this.level = level;
      this.scale = scale;
    }

    @Override
    public String parameterId() {
      return ctx.parameters().parameterId();
    }

    @Override
    public HeScheme scheme() {
      return ctx.parameters().scheme();
    }

    @Override
    public int level() {
      return level;
    }

    @Override
    public double scale() {
      return scale;
    }
  }

  /** A secret key: never serialized, and its toString reveals nothing. */
  static final class Sk extends NativeHandle implements SecretKey {
    final SealContext ctx;

    Sk(SealContext ctx, Pointer p) {
      super(p, SealNative.lib()::oml_secret_key_destroy, "secret key", 8L * ctx.n * (ctx.top + 2));
      this.ctx = ctx;
    }

    @Override
    public String parameterId() {
      return ctx.parameters().parameterId();
    }

    @Override
    public String toString() {
      return "SealSecretKey[" + ctx.parameters().name() + "]";
    }
  }

  /** A public key. */
  static final class Pk extends NativeHandle implements PublicKey {
    final SealContext ctx;

    Pk(SealContext ctx, Pointer p) {
      super(p, SealNative.lib()::oml_public_key_destroy, "public key", 16L * ctx.n * (ctx.top + 2));
      this.ctx = ctx;
    }

    @Override
    public String parameterId() {
      return ctx.parameters().parameterId();
    }
  }

  /** Relinearization keys. */
  static final class Rk extends NativeHandle implements RelinKeys {
    final SealContext ctx;

    Rk(SealContext ctx, Pointer p) {
      super(p, SealNative.lib()::oml_relin_keys_destroy, "relinearization keys",
          16L * ctx.n * (ctx.top + 2) * (ctx.top + 1));
      this.ctx = ctx;
    }

    @Override
    public String parameterId() {
      return ctx.parameters().parameterId();
    }
  }

  /** Galois keys with their Galois elements in the API's numbering (see SealKeyGenerator). */
  static final class Gk extends NativeHandle implements GaloisKeys {
    final SealContext ctx;
    private final int[] elements;

    Gk(SealContext ctx, Pointer p, int[] elements) {
      super(p, SealNative.lib()::oml_galois_keys_destroy, "Galois keys",
          16L * ctx.n * (ctx.top + 2) * (ctx.top + 1) * elements.length);
      this.ctx = ctx;
      this.elements = elements;
    }

    @Override
    public String parameterId() {
      return ctx.parameters().parameterId();
    }

    @Override
    public int[] galoisElements() {
      return elements.clone();
    }
  }
}
