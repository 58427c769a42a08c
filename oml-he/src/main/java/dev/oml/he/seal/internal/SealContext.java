package dev.oml.he.seal.internal;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import dev.oml.he.BfvEncoder;
import dev.oml.he.BfvEncoding;
import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.Evaluator;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.internal.OperandChecks;
import dev.oml.he.HeSerializer;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.KeyGenerator;
import dev.oml.he.Plaintext;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
import dev.oml.he.seal.internal.SealObjects.Ct;
import dev.oml.he.seal.internal.SealObjects.Gk;
import dev.oml.he.seal.internal.SealObjects.Pk;
import dev.oml.he.seal.internal.SealObjects.Pt;
import dev.oml.he.seal.internal.SealObjects.Rk;
import dev.oml.he.seal.internal.SealObjects.Sk;
import java.lang.ref.Reference;

/**
 * A parameter set instantiated in SEAL: owns the native context and checks, before any native
 * call, that every object it receives was made by this backend under the same parameters
 * (objects of twin contexts with equal parameters are accepted, as the API requires). Levels,
 * scales and error types follow the API exactly as the pure-Java engine does.
 */
final class SealContext implements HeContext {
  private final SealBackend backend;
  private final HeParameters params;
  private final ContextHandle handle;
  final SealLibrary lib;
  final OperandChecks checks;
  final int n;
  final int top;
  private final SealEvaluator evaluator;

  /** The native SEAL context. */
  private static final class ContextHandle extends NativeHandle {
    ContextHandle(Pointer p) {
      super(p, SealNative.lib()::oml_context_destroy, "SEAL context", 0);
    }
  }

  SealContext(SealBackend backend, HeParameters params) {
    this.backend = backend;
    this.params = params;
    this.checks = new OperandChecks(params);
    this.lib = SealNative.lib();
    this.n = params.polyModulusDegree();
    this.top = params.maxLevel();
    long[] primes = params.coeffModulus();
    boolean bfv = params.scheme() == HeScheme.BFV;
    PointerByReference out = new PointerByReference();
    SealNative.check(lib.oml_context_create(
        bfv ? SealLibrary.SCHEME_BFV : SealLibrary.SCHEME_CKKS, n, primes, primes.length,
        params.specialPrime(), bfv ? params.plainModulus() : 0,
        bfv && params.bfvEncoding() == BfvEncoding.BATCHING ? 1 : 0, out));
    this.handle = new ContextHandle(out.getValue());
    this.evaluator = new SealEvaluator(this);
  }

  Pointer ptr() {
    return handle.pointer();
  }

  /** Keeps the context and the given handles alive until a native call has returned. */
  void fence(Object... handles) {
    Reference.reachabilityFence(this);
    Reference.reachabilityFence(handles);
  }

  Ct ct(Ciphertext c) {
    return checks.own(c, Ct.class, "ciphertext");
  }

  /** A ciphertext that can be evaluated (not an extracted answer). */
  Ct evalCt(Ciphertext c) {
    Ct x = ct(c);
    checks.evaluable(x);
    return x;
  }

  Pt pt(Plaintext p) {
    return checks.own(p, Pt.class, "plaintext");
  }

  Sk sk(SecretKey k) {
    return checks.own(k, Sk.class, "secret key");
  }

  Pk pk(PublicKey k) {
    return checks.own(k, Pk.class, "public key");
  }

  Rk rk(RelinKeys k) {
    return checks.own(k, Rk.class, "relinearization keys");
  }

  Gk gk(GaloisKeys k) {
    return checks.own(k, Gk.class, "Galois keys");
  }

  void requireScheme(HeScheme s, String op) {
    checks.requireScheme(s, op);
  }

  /** Wraps a new native ciphertext, reading its metadata once. */
  Ct newCt(Pointer p) {
    long[] info = new long[5];
    double[] scale = new double[1];
    int status = lib.oml_ciphertext_info(ptr(), p, info, scale);
    if (status != SealLibrary.OK) {
      lib.oml_ciphertext_destroy(p);
      SealNative.check(status);
    }
    Reference.reachabilityFence(this);
    return new Ct(this, p, info, scale[0]);
  }

  Ct newCt(PointerByReference out) {
    return newCt(out.getValue());
  }

  Pt newPt(Pointer p, int level, double scale) {
    return new Pt(this, p, level, scale);
  }

  @Override
  public HeParameters parameters() {
    return params;
  }

  @Override
  public HeBackend backend() {
    return backend;
  }

  @Override
  public KeyGenerator keyGenerator() {
    PointerByReference out = new PointerByReference();
    SealNative.check(lib.oml_secret_key_create(ptr(), out));
    fence();
    return new SealKeyGenerator(this, new Sk(this, out.getValue()));
  }

  @Override
  public KeyGenerator keyGenerator(SecretKey secretKey) {
    return new SealKeyGenerator(this, sk(secretKey));
  }

  @Override
  public Encryptor encryptor(PublicKey publicKey) {
    return new SealEncryptor(this, pk(publicKey), null);
  }

  @Override
  public Encryptor encryptor(SecretKey secretKey) {
    return new SealEncryptor(this, null, sk(secretKey));
  }

  @Override
  public Decryptor decryptor(SecretKey secretKey) {
    return new SealDecryptor(this, sk(secretKey));
  }

  @Override
  public Evaluator evaluator() {
    return evaluator;
  }

  @Override
  public BfvEncoder bfvEncoder() {
    requireScheme(HeScheme.BFV, "the BFV encoder");
    return new SealBfvEncoder(this);
  }

  @Override
  public CkksEncoder ckksEncoder() {
    requireScheme(HeScheme.CKKS, "the CKKS encoder");
    return new SealCkksEncoder(this);
  }

  @Override
  public HeSerializer serializer() {
    return new SealSerializer(this);
  }

  @Override
  public CoefficientMatVec coefficientMatVec() {
    requireScheme(HeScheme.BFV, "the coefficient matrix-vector product");
    if (params.bfvEncoding() != BfvEncoding.COEFFICIENT) {
      throw new IncompatibleOperandsException(
          "the matrix-vector product needs COEFFICIENT encoding");
    }
    return new SealCoefficientMatVec(this);
  }

  @Override
  public long[][][] exportComponents(Ciphertext ciphertext) {
    Ct c = ct(ciphertext);
    int primes = c.level + 1;
    long[] flat = new long[c.size * primes * n];
    SealNative.check(lib.oml_ciphertext_export(ptr(), c.pointer(), flat, flat.length));
    fence(c);
    long[][][] out = new long[c.size][primes][n];
    for (int j = 0; j < c.size; j++) {
      for (int i = 0; i < primes; i++) {
        System.arraycopy(flat, (j * primes + i) * n, out[j][i], 0, n);
      }
    }
    return out;
  }

  /** Components {@code [component][prime][coefficient]} of {@code primes} primes, flattened. */
  private long[] flatten(long[][][] components, int primes) {
    if (components.length != 2) {
      throw new IllegalArgumentException("expected two components, got " + components.length);
    }
    long[] flat = new long[2 * primes * n];
    for (int j = 0; j < 2; j++) {
      if (components[j].length != primes) {
        throw new IllegalArgumentException("expected " + primes + " primes per component");
      }
      for (int i = 0; i < primes; i++) {
        if (components[j][i].length != n) {
          throw new IllegalArgumentException("expected " + n + " coefficients per prime");
        }
        System.arraycopy(components[j][i], 0, flat, (j * primes + i) * n, n);
      }
    }
    return flat;
  }

  @Override
  public PublicKey importPublicKey(long[][][] components) {
    long[] flat = flatten(components, top + 1);
    PointerByReference out = new PointerByReference();
    SealNative.check(lib.oml_t2_public_key_import(ptr(), flat, flat.length, out));
    fence();
    return new Pk(this, out.getValue());
  }

  @Override
  public Ciphertext importOperand(long[][][] components, int level) {
    if (level < 0 || level > top) {
      throw new IllegalArgumentException("level " + level + " outside [0, " + top + "]");
    }
    long[] flat = flatten(components, level + 1);
    PointerByReference out = new PointerByReference();
    SealNative.check(lib.oml_t2_ciphertext_import(ptr(), flat, flat.length, level, out));
    fence();
    return newCt(out);
  }

  @Override
  public Ciphertext importOperandNtt(long[][][] components, int level) {
    if (level < 0 || level > top) {
      throw new IllegalArgumentException("level " + level + " outside [0, " + top + "]");
    }
    long[] flat = flatten(components, level + 1);
    PointerByReference out = new PointerByReference();
    SealNative.check(lib.oml_t2_ciphertext_import_ntt(ptr(), flat, flat.length, level, out));
    fence();
    return newCt(out);
  }

  @Override
  public String toString() {
    return "SealContext[" + params + "]";
  }
}
