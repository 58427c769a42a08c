package dev.oml.he.java.internal;

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
import dev.oml.he.HeSerializer;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.KeyGenerator;
import dev.oml.he.Plaintext;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
import dev.oml.he.internal.OperandChecks;
import dev.oml.he.java.internal.JavaObjects.Ct;
import dev.oml.he.java.internal.JavaObjects.Gk;
import dev.oml.he.java.internal.JavaObjects.Ksk;
import dev.oml.he.java.internal.JavaObjects.Pk;
import dev.oml.he.java.internal.JavaObjects.Pt;
import dev.oml.he.java.internal.JavaObjects.Rk;
import dev.oml.he.java.internal.JavaObjects.Sk;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;


/**
 * The pure-Java context: the {@link HeContext} facade over an {@link RnsRing} (ring arithmetic),
 * a {@link KeySwitcher} and an {@link RlweEncryption}, plus what only one scheme needs (BFV's
 * scaling constants per level and batching index map, the CKKS FFT). Objects are checked on
 * entry through the shared {@code OperandChecks} layer. Polynomials are
 * {@code long[row][coefficient]}; ciphertexts and keys stay in NTT form.
 */
public final class JavaContext implements HeContext {
  static final int DOMAIN_CT = 1;
  static final int DOMAIN_PK = 2;
  static final int DOMAIN_KSK = 3;

  final HeParameters params;
  final String id;
  final HeScheme scheme;
  final RnsRing ring;
  final KeySwitcher keySwitcher;
  final RlweEncryption encryption;
  final OperandChecks checks;
  // The ring's shape, named here because every engine class reads it.
  final int n;
  final int logN;
  final int k;
  final Modulus[] mods;
  final NttTable[] ntt;
  final int special;
  final BigInteger[] qAt;
  // BFV
  final long t;
  final NttTable tNtt;
  final int[] slotMap;
  final long[][] qFloorDivT;
  // Shoup companions of qFloorDivT, for bfvScale
  private final long[][] qFloorDivTShoup;
  final long[] qModT;
  /** BFV's decryption rounding; {@code round(a b / t)} of its encoding. */
  final BfvRounding rounding;
  private final RoundedQuotient plainQuotient;
  final CkksFft fft;
  private final Map<Integer, BfvMultiplier> multipliers = new HashMap<>();

  private final JavaEvaluator evaluator;

  JavaContext(HeParameters p) {
    this.params = p;
    this.id = p.parameterId();
    this.scheme = p.scheme();
    this.checks = new OperandChecks(p);
    this.ring = new RnsRing(p);
    this.keySwitcher = new KeySwitcher(ring);
    this.encryption = new RlweEncryption(ring, id, scheme);
    this.n = ring.n;
    this.logN = ring.logN;
    this.k = ring.k;
    this.mods = ring.mods;
    this.ntt = ring.ntt;
    this.special = ring.special;
    this.qAt = ring.qAt;
    if (scheme == HeScheme.BFV) {
      t = p.plainModulus();
      rounding = new BfvRounding(mods, qAt, t);
      plainQuotient = t < (1L << 61) ? new RoundedQuotient(t) : null;
      BigInteger bt = BigInteger.valueOf(t);
      qFloorDivT = new long[k][k];
      qFloorDivTShoup = new long[k][k];
      qModT = new long[k];
      for (int l = 0; l < k; l++) {
        BigInteger fl = qAt[l].divide(bt);
        qModT[l] = qAt[l].mod(bt).longValue();
        for (int i = 0; i <= l; i++) {
          qFloorDivT[l][i] = fl.mod(mods[i].big()).longValue();
          qFloorDivTShoup[l][i] = mods[i].shoup(qFloorDivT[l][i]);
        }
      }
      if (p.bfvEncoding() == BfvEncoding.BATCHING) {
        tNtt = new NttTable(n, new Modulus(t));
        slotMap = new int[n];
        int m = 2 * n;
        int rowSize = n / 2;
        long pos = 1;
        for (int i = 0; i < rowSize; i++) {
          int index1 = (int) ((pos - 1) >> 1);
          int index2 = (int) ((m - pos - 1) >> 1);
          slotMap[i] = NttTable.bitReverse(index1, logN);
          slotMap[rowSize + i] = NttTable.bitReverse(index2, logN);
          pos = (pos * 3) % m;
        }
      } else {
        tNtt = null;
        slotMap = null;
      }
      fft = null;
    } else {
      t = 0;
      rounding = null;
      plainQuotient = null;
      qFloorDivT = null;
      qFloorDivTShoup = null;
      qModT = null;
      tNtt = null;
      slotMap = null;
      fft = new CkksFft(n);
    }
    evaluator = new JavaEvaluator(this);
  }


  // ---------------------------------------------------------------- checks (shared layer)

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

  Sk sk(SecretKey s) {
    return checks.own(s, Sk.class, "secret key");
  }

  Pk pk(PublicKey s) {
    return checks.own(s, Pk.class, "public key");
  }

  Rk rk(RelinKeys s) {
    return checks.own(s, Rk.class, "relinearization keys");
  }

  Gk gk(GaloisKeys s) {
    return checks.own(s, Gk.class, "Galois keys");
  }

  void requireScheme(HeScheme s, String op) {
    checks.requireScheme(s, op);
  }

  void requireKeySwitching(String what) {
    checks.requireKeySwitching(what);
  }

  // ---------------------------------------------------------------- BFV scaling

  /** Coefficient-form rows of {@code round(Q_level * m / t)} for {@code m} in {@code [0, t)}. */
  long[][] bfvScale(long[] m, int level) {
    long[][] r = ring.newRows(level + 1);
    long rem = qModT[level];
    long[] w = qFloorDivT[level];
    long[] ws = qFloorDivTShoup[level];
    for (int j = 0; j < n; j++) {
      long mj = m[j];
      if (mj == 0) {
        continue; // floor(Q/t) 0 + round(0 (Q mod t) / t) = 0: the row is already zero
      }
      long round = plainQuotient != null ? plainQuotient.of(rem, mj) : roundMulDiv(rem, mj, t);
      for (int i = 0; i <= level; i++) {
        Modulus md = mods[i];
        // floor(Q/t) m by Shoup's method with the precomputed companion (m reduced first, so
        // the operand is below q < 2^61 whatever t is)
        long v = Modulus.mulShoup(md.reduceUnsigned(mj), w[i], ws[i], md.q);
        r[i][j] = md.add(v, md.reduceUnsigned(round));
      }
    }
    return r;
  }

  /**
   * {@code round(a * b / t)} for {@code a, b < t} with big integers: the reference of {@link
   * RoundedQuotient}, and the path for a plain modulus of {@code 2^61} or more.
   */
  static long roundMulDiv(long a, long b, long t) {
    long hi = Modulus.umulhi(a, b);
    long lo = a * b;
    long half = t >>> 1;
    long lo2 = lo + half;
    if (Long.compareUnsigned(lo2, lo) < 0) {
      hi++;
    }
    if (Long.bitCount(t) == 1) {
      int l = Long.numberOfTrailingZeros(t);
      return l == 0 ? lo2 : (hi << (64 - l)) | (lo2 >>> l);
    }
    if (hi == 0 && lo2 >= 0) {
      return lo2 / t;
    }
    BigInteger num = new BigInteger(1, toBytes(hi, lo2));
    return num.divide(BigInteger.valueOf(t)).longValue();
  }

  private static byte[] toBytes(long hi, long lo) {
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[7 - i] = (byte) (hi >>> (8 * i));
      b[15 - i] = (byte) (lo >>> (8 * i));
    }
    return b;
  }

  /** Lifts {@code m} in {@code [0, t)} to its centered representative, then to rows (NTT form). */
  long[][] bfvPlainNtt(long[] m, int level) {
    long[][] r = ring.newRows(level + 1);
    long half = t >>> 1;
    for (int i = 0; i <= level; i++) {
      Modulus md = mods[i];
      long[] row = r[i];
      for (int j = 0; j < n; j++) {
        long v = m[j];
        row[j] = v > half ? md.reduce(v - t) : md.reduceUnsigned(v);
      }
      ntt[i].forward(row);
    }
    return r;
  }


  synchronized BfvMultiplier multiplier(int level) {
    return multipliers.computeIfAbsent(level, l -> new BfvMultiplier(this, l));
  }

  Set<Long> allPrimes() {
    Set<Long> s = new HashSet<>();
    for (Modulus m : mods) {
      s.add(m.q);
    }
    if (t > 0) {
      s.add(t);
    }
    return s;
  }

  // ---------------------------------------------------------------- encryption core

  // ---------------------------------------------------------------- HeContext

  @Override
  public HeParameters parameters() {
    return params;
  }

  @Override
  public HeBackend backend() {
    return JavaBackend.INSTANCE;
  }

  @Override
  public KeyGenerator keyGenerator() {
    return new JavaKeyGenerator(this, null);
  }

  @Override
  public KeyGenerator keyGenerator(SecretKey secretKey) {
    return new JavaKeyGenerator(this, sk(secretKey));
  }

  @Override
  public Encryptor encryptor(PublicKey publicKey) {
    return new JavaEncryptor(this, pk(publicKey), null);
  }

  @Override
  public Encryptor encryptor(SecretKey secretKey) {
    return new JavaEncryptor(this, null, sk(secretKey));
  }

  @Override
  public Decryptor decryptor(SecretKey secretKey) {
    return new JavaDecryptor(this, sk(secretKey));
  }

  @Override
  public Evaluator evaluator() {
    return evaluator;
  }

  @Override
  public BfvEncoder bfvEncoder() {
    requireScheme(HeScheme.BFV, "the BFV encoder");
    return new JavaBfvEncoder(this);
  }

  @Override
  public CkksEncoder ckksEncoder() {
    requireScheme(HeScheme.CKKS, "the CKKS encoder");
    return new JavaCkksEncoder(this);
  }

  @Override
  public HeSerializer serializer() {
    return new JavaSerializer(this);
  }

  @Override
  public CoefficientMatVec coefficientMatVec() {
    requireScheme(HeScheme.BFV, "the coefficient matrix-vector product");
    if (params.bfvEncoding() != BfvEncoding.COEFFICIENT) {
      throw new IncompatibleOperandsException(
          "the matrix-vector product needs COEFFICIENT encoding");
    }
    return new JavaCoefficientMatVec(this);
  }

  @Override
  public long[][][] exportComponents(Ciphertext ciphertext) {
    Ct c = ct(ciphertext);
    long[][][] r = new long[c.c.length][][];
    for (int i = 0; i < r.length; i++) {
      r[i] = RnsRing.copy(c.c[i], c.level + 1);
      if (i != 0 || c.kept == null) {
        ring.fromNtt(r[i], c.level + 1);
      }
    }
    return r;
  }

  @Override
  public long[][][] exportNttComponents(Ciphertext ciphertext) {
    Ct c = ct(ciphertext);
    if (c.kept != null) {
      throw new IncompatibleOperandsException("a compact answer has no NTT form to export");
    }
    long[][][] r = new long[c.c.length][][];
    for (int i = 0; i < r.length; i++) {
      r[i] = RnsRing.copy(c.c[i], c.level + 1);
    }
    return r;
  }

  @Override
  public long[][][] exportPublicKey(PublicKey publicKey) {
    Pk p = pk(publicKey);
    long[][][] r = {RnsRing.copy(p.p0, k), RnsRing.copy(p.p1, k)};
    for (long[][] c : r) {
      ring.fromNtt(c, k);
    }
    return r;
  }

  @Override
  public String toString() {
    return "JavaContext[" + params + "]";
  }
}
