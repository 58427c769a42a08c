package dev.oml.he.java.internal;

import dev.oml.he.BfvEncoder;
import dev.oml.he.BfvEncoding;
import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.Evaluator;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeObject;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.HeSerializer;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.KeyGenerator;
import dev.oml.he.Plaintext;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
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
 * The pure-Java context: RNS tables for the data primes {@code q_0..q_{k-1}} (rows
 * {@code 0..k-1}) and the special prime (row {@code k}), BFV scaling constants per level, the
 * batching index map, the CKKS FFT, and the ring arithmetic every other engine class uses.
 * Polynomials are {@code long[row][coefficient]}; ciphertexts and keys stay in NTT form.
 */
public final class JavaContext implements HeContext {
  static final int DOMAIN_CT = 1;
  static final int DOMAIN_PK = 2;
  static final int DOMAIN_KSK = 3;

  final HeParameters params;
  final String id;
  final HeScheme scheme;
  final int n;
  final int logN;
  final int k;
  final Modulus[] mods;
  final NttTable[] ntt;
  final int special;
  // BFV
  final long t;
  final NttTable tNtt;
  final int[] slotMap;
  final BigInteger[] qAt;
  final long[][] qFloorDivT;
  final long[] qModT;
  // CRT per level over the data primes
  final BigInteger[][] crtHat;
  final long[][] crtHatInv;
  final CkksFft fft;
  private final Map<Integer, BfvMultiplier> multipliers = new HashMap<>();

  private final JavaEvaluator evaluator;

  JavaContext(HeParameters p) {
    this.params = p;
    this.id = p.parameterId();
    this.scheme = p.scheme();
    this.n = p.polyModulusDegree();
    this.logN = Integer.numberOfTrailingZeros(n);
    long[] primes = p.coeffModulus();
    this.k = primes.length;
    int total = k + (p.supportsKeySwitching() ? 1 : 0);
    mods = new Modulus[total];
    ntt = new NttTable[total];
    for (int i = 0; i < k; i++) {
      mods[i] = new Modulus(primes[i]);
    }
    if (p.supportsKeySwitching()) {
      mods[k] = new Modulus(p.specialPrime());
    }
    for (int i = 0; i < total; i++) {
      ntt[i] = new NttTable(n, mods[i]);
    }
    this.special = p.supportsKeySwitching() ? k : -1;
    qAt = new BigInteger[k];
    crtHat = new BigInteger[k][];
    crtHatInv = new long[k][];
    for (int l = 0; l < k; l++) {
      qAt[l] = p.modulusAtLevel(l);
      crtHat[l] = new BigInteger[l + 1];
      crtHatInv[l] = new long[l + 1];
      for (int i = 0; i <= l; i++) {
        crtHat[l][i] = qAt[l].divide(mods[i].big());
        crtHatInv[l][i] = mods[i].inv(crtHat[l][i].mod(mods[i].big()).longValue());
      }
    }
    if (scheme == HeScheme.BFV) {
      t = p.plainModulus();
      BigInteger bt = BigInteger.valueOf(t);
      qFloorDivT = new long[k][k];
      qModT = new long[k];
      for (int l = 0; l < k; l++) {
        BigInteger fl = qAt[l].divide(bt);
        qModT[l] = qAt[l].mod(bt).longValue();
        for (int i = 0; i <= l; i++) {
          qFloorDivT[l][i] = fl.mod(mods[i].big()).longValue();
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
      qFloorDivT = null;
      qModT = null;
      tNtt = null;
      slotMap = null;
      fft = new CkksFft(n);
    }
    evaluator = new JavaEvaluator(this);
  }

  // ---------------------------------------------------------------- checks

  void check(HeObject o) {
    if (o == null) {
      throw new NullPointerException("object");
    }
    if (!id.equals(o.parameterId())) {
      throw new ContextMismatchException(
          "object made under parameters " + o.parameterId() + " given to a context for "
              + params.name() + " [" + id + "]");
    }
  }

  Ct ct(Ciphertext c) {
    check(c);
    if (!(c instanceof Ct)) {
      throw new ContextMismatchException("ciphertext made by another backend");
    }
    return (Ct) c;
  }

  /** A ciphertext that can be evaluated (not an extracted answer). */
  Ct evalCt(Ciphertext c) {
    Ct x = ct(c);
    if (x.kept != null) {
      throw new IncompatibleOperandsException(
          "an extracted answer can only be decrypted, not evaluated");
    }
    return x;
  }

  Pt pt(Plaintext p) {
    check(p);
    if (!(p instanceof Pt)) {
      throw new ContextMismatchException("plaintext made by another backend");
    }
    return (Pt) p;
  }

  Sk sk(SecretKey s) {
    check(s);
    if (!(s instanceof Sk)) {
      throw new ContextMismatchException("secret key made by another backend");
    }
    return (Sk) s;
  }

  Pk pk(PublicKey s) {
    check(s);
    if (!(s instanceof Pk)) {
      throw new ContextMismatchException("public key made by another backend");
    }
    return (Pk) s;
  }

  Rk rk(RelinKeys s) {
    check(s);
    if (!(s instanceof Rk)) {
      throw new ContextMismatchException("relinearization keys made by another backend");
    }
    return (Rk) s;
  }

  Gk gk(GaloisKeys s) {
    check(s);
    if (!(s instanceof Gk)) {
      throw new ContextMismatchException("Galois keys made by another backend");
    }
    return (Gk) s;
  }

  void requireScheme(HeScheme s, String op) {
    if (scheme != s) {
      throw new IncompatibleOperandsException(op + " needs " + s + ", parameters are " + scheme);
    }
  }

  void requireKeySwitching(String what) {
    if (special < 0) {
      throw new IncompatibleOperandsException(
          what + " needs a special prime in the parameters (specialPrimeBits)");
    }
  }

  // ---------------------------------------------------------------- ring arithmetic

  long[][] newRows(int count) {
    return new long[count][n];
  }

  static long[][] copy(long[][] a, int count) {
    long[][] r = new long[count][];
    for (int i = 0; i < count; i++) {
      r[i] = a[i].clone();
    }
    return r;
  }

  void toNtt(long[][] a, int count) {
    for (int i = 0; i < count; i++) {
      ntt[i].forward(a[i]);
    }
  }

  void fromNtt(long[][] a, int count) {
    for (int i = 0; i < count; i++) {
      ntt[i].inverse(a[i]);
    }
  }

  /** Signed small coefficients to rows {@code 0..count-1} in coefficient form. */
  long[][] lift(long[] small, int count) {
    long[][] r = newRows(count);
    for (int i = 0; i < count; i++) {
      Modulus m = mods[i];
      long[] row = r[i];
      for (int j = 0; j < n; j++) {
        row[j] = m.reduce(small[j]);
      }
    }
    return r;
  }

  long[][] liftNtt(long[] small, int count) {
    long[][] r = lift(small, count);
    toNtt(r, count);
    return r;
  }

  long[] sampleTernary(Prg prg) {
    long[] s = new long[n];
    for (int i = 0; i < n; i++) {
      s[i] = prg.ternary();
    }
    return s;
  }

  long[] sampleCbd(Prg prg) {
    long[] e = new long[n];
    for (int i = 0; i < n; i++) {
      e[i] = prg.cbd();
    }
    return e;
  }

  /** Uniform rows {@code 0..count-1} from a seed (the same on every machine). */
  long[][] uniformFromSeed(byte[] seed, int domain, int count) {
    Prg prg = new Prg(seed, domain);
    long[][] r = newRows(count);
    for (int i = 0; i < count; i++) {
      Modulus m = mods[i];
      long[] row = r[i];
      for (int j = 0; j < n; j++) {
        row[j] = prg.uniform(m);
      }
    }
    return r;
  }

  /** {@code acc[r] += a[r] * b[r]} pointwise for rows in {@code 0..count-1}. */
  void mulAddInto(long[][] acc, long[][] a, long[][] b, int count) {
    for (int r = 0; r < count; r++) {
      Modulus m = mods[r];
      long[] x = a[r];
      long[] y = b[r];
      long[] z = acc[r];
      for (int j = 0; j < n; j++) {
        z[j] = m.add(z[j], m.mul(x[j], y[j]));
      }
    }
  }

  /** Shoup companions of rows {@code 0..count-1}. */
  long[][] shoupRows(long[][] w, int count) {
    long[][] r = new long[count][n];
    for (int i = 0; i < count; i++) {
      Modulus m = mods[i];
      for (int j = 0; j < n; j++) {
        r[i][j] = m.shoup(w[i][j]);
      }
    }
    return r;
  }

  /** {@code acc[r] += a[r] * w[r]} with {@code w} fixed and {@code ws} its Shoup companions. */
  void mulAddShoupInto(long[][] acc, long[][] a, long[][] w, long[][] ws, int count) {
    for (int r = 0; r < count; r++) {
      long q = mods[r].q;
      long[] x = a[r];
      long[] y = w[r];
      long[] ys = ws[r];
      long[] z = acc[r];
      for (int j = 0; j < n; j++) {
        long s = z[j] + Modulus.mulShoup(x[j], y[j], ys[j], q);
        z[j] = s >= q ? s - q : s;
      }
    }
  }

  long[][] mul(long[][] a, long[][] b, int count) {
    long[][] r = newRows(count);
    mulAddInto(r, a, b, count);
    return r;
  }

  void addInto(long[][] acc, long[][] a, int count) {
    for (int r = 0; r < count; r++) {
      Modulus m = mods[r];
      long[] x = a[r];
      long[] z = acc[r];
      for (int j = 0; j < n; j++) {
        z[j] = m.add(z[j], x[j]);
      }
    }
  }

  void subInto(long[][] acc, long[][] a, int count) {
    for (int r = 0; r < count; r++) {
      Modulus m = mods[r];
      long[] x = a[r];
      long[] z = acc[r];
      for (int j = 0; j < n; j++) {
        z[j] = m.sub(z[j], x[j]);
      }
    }
  }

  void negInto(long[][] a, int count) {
    for (int r = 0; r < count; r++) {
      Modulus m = mods[r];
      long[] z = a[r];
      for (int j = 0; j < n; j++) {
        z[j] = m.neg(z[j]);
      }
    }
  }

  /** CRT of coefficient {@code idx} of coefficient-form rows {@code 0..level}, in {@code [0, Q)}. */
  BigInteger crt(long[][] rows, int level, int idx) {
    BigInteger acc = BigInteger.ZERO;
    for (int i = 0; i <= level; i++) {
      long v = mods[i].mul(rows[i][idx], crtHatInv[level][i]);
      acc = acc.add(crtHat[level][i].multiply(BigInteger.valueOf(v)));
    }
    return acc.mod(qAt[level]);
  }

  BigInteger crtCentered(long[][] rows, int level, int idx) {
    if (level == 0) {
      return BigInteger.valueOf(mods[0].center(rows[0][idx]));
    }
    BigInteger x = crt(rows, level, idx);
    return x.shiftLeft(1).compareTo(qAt[level]) > 0 ? x.subtract(qAt[level]) : x;
  }

  /** Coefficient-form rows of {@code round(Q_level * m / t)} for {@code m} in {@code [0, t)}. */
  long[][] bfvScale(long[] m, int level) {
    long[][] r = newRows(level + 1);
    long rem = qModT[level];
    for (int j = 0; j < n; j++) {
      long mj = m[j];
      long round = roundMulDiv(rem, mj, t);
      for (int i = 0; i <= level; i++) {
        Modulus md = mods[i];
        long v = md.mul(qFloorDivT[level][i], md.reduceUnsigned(mj));
        r[i][j] = md.add(v, md.reduceUnsigned(round));
      }
    }
    return r;
  }

  /** {@code round(a * b / t)} for {@code a, b < t <= 2^60}. */
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
    long[][] r = newRows(level + 1);
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

  /**
   * Divides by the last prime of each component's modulus with rounding, dropping one level
   * (BFV modulus switching and CKKS rescaling are the same map).
   */
  long[][][] dropLastPrime(long[][][] c, int level) {
    long ql = mods[level].q;
    long half = ql >>> 1;
    long[][][] out = new long[c.length][][];
    long[] tmp = new long[n];
    for (int comp = 0; comp < c.length; comp++) {
      long[] last = c[comp][level].clone();
      ntt[level].inverse(last);
      out[comp] = new long[level][];
      for (int j = 0; j < level; j++) {
        Modulus mj = mods[j];
        for (int x = 0; x < n; x++) {
          long v = last[x];
          tmp[x] = v > half ? mj.reduce(v - ql) : mj.reduceUnsigned(v);
        }
        ntt[j].forward(tmp);
        long inv = mj.inv(mj.reduceUnsigned(ql));
        long invS = mj.shoup(inv);
        long[] src = c[comp][j];
        long[] dst = new long[n];
        for (int x = 0; x < n; x++) {
          dst[x] = Modulus.mulShoup(mj.sub(src[x], tmp[x]), inv, invS, mj.q);
        }
        out[comp][j] = dst;
      }
    }
    return out;
  }

  /** Applies {@code X -> X^g} to coefficient-form rows. */
  long[][] automorphism(long[][] a, int count, int g) {
    long[][] r = newRows(count);
    int mask = 2 * n - 1;
    for (int i = 0; i < count; i++) {
      Modulus m = mods[i];
      for (int j = 0; j < n; j++) {
        int e = (int) (((long) j * g) & mask);
        if (e < n) {
          r[i][e] = a[i][j];
        } else {
          r[i][e - n] = m.neg(a[i][j]);
        }
      }
    }
    return r;
  }

  static long[] automorphismSmall(long[] a, int g) {
    int n = a.length;
    long[] r = new long[n];
    int mask = 2 * n - 1;
    for (int j = 0; j < n; j++) {
      int e = (int) (((long) j * g) & mask);
      if (e < n) {
        r[e] = a[j];
      } else {
        r[e - n] = -a[j];
      }
    }
    return r;
  }

  /** Key-switching key from {@code target} (NTT rows over all primes) to the secret key. */
  Ksk makeKsk(Sk sk, long[][] target) {
    int all = mods.length;
    byte[][] seeds = new byte[k][];
    long[][][] k0 = new long[k][][];
    long[][][] k1 = new long[k][][];
    Prg noise = Prg.fresh();
    long p = mods[special].q;
    for (int i = 0; i < k; i++) {
      seeds[i] = Prg.freshSeed();
      long[][] a = uniformFromSeed(seeds[i], DOMAIN_KSK, all);
      long[][] e = liftNtt(sampleCbd(noise), all);
      long[][] b = mul(a, sk.ntt, all);
      negInto(b, all);
      addInto(b, e, all);
      Modulus mi = mods[i];
      long pm = mi.reduceUnsigned(p);
      for (int x = 0; x < n; x++) {
        b[i][x] = mi.add(b[i][x], mi.mul(pm, target[i][x]));
      }
      k0[i] = b;
      k1[i] = a;
    }
    return new Ksk(seeds, k0, k1);
  }

  /**
   * Hybrid key switching of coefficient-form {@code d} (rows {@code 0..level}): digits
   * {@code [d]_{q_i}}, products with the key over the data primes and the special prime
   * {@code P}, then division by {@code P} with rounding. Returns two NTT-form polynomials.
   */
  long[][][] keySwitch(long[][] d, Ksk key, int level) {
    return keySwitchDigits(decompose(d, level), key, level, null);
  }

  /**
   * The digits {@code [d]_{q_i}} of coefficient-form {@code d}, each lifted to rows
   * {@code 0..level} and the special prime (last) and transformed: {@code [digit][row][x]}.
   * This is the expensive half of key switching, shared by hoisted rotations.
   */
  long[][][] decompose(long[][] d, int level) {
    int cnt = level + 2;
    long[][][] out = new long[level + 1][cnt][];
    for (int i = 0; i <= level; i++) {
      long[] digit = d[i];
      for (int s = 0; s < cnt; s++) {
        int r = s <= level ? s : special;
        Modulus m = mods[r];
        long[] tmp = new long[n];
        if (r == i) {
          System.arraycopy(digit, 0, tmp, 0, n);
        } else {
          for (int x = 0; x < n; x++) {
            tmp[x] = m.reduceUnsigned(digit[x]);
          }
        }
        ntt[r].forward(tmp);
        out[i][s] = tmp;
      }
    }
    return out;
  }

  /**
   * Products of (optionally permuted, that is automorphed in the NTT domain) digits with a
   * key, then division by {@code P}. {@code perm[x]} is the source index of output {@code x}.
   */
  long[][][] keySwitchDigits(long[][][] digits, Ksk key, int level, int[] perm) {
    int cnt = level + 2;
    long[][] acc0 = new long[cnt][n];
    long[][] acc1 = new long[cnt][n];
    for (int i = 0; i <= level; i++) {
      for (int s = 0; s < cnt; s++) {
        int r = s <= level ? s : special;
        Modulus m = mods[r];
        long[] v = digits[i][s];
        long[] y0 = key.k0[i][r];
        long[] y1 = key.k1[i][r];
        long[] z0 = acc0[s];
        long[] z1 = acc1[s];
        for (int x = 0; x < n; x++) {
          long d = perm == null ? v[x] : v[perm[x]];
          z0[x] = m.add(z0[x], m.mul(d, y0[x]));
          z1[x] = m.add(z1[x], m.mul(d, y1[x]));
        }
      }
    }
    return new long[][][] {modDownBySpecial(acc0, level), modDownBySpecial(acc1, level)};
  }

  /**
   * The Galois map {@code X -> X^g} on NTT-form rows is a permutation: index {@code i} holds
   * the value at {@code psi^(2 bitrev(i) + 1)}, and {@code (sigma_g a)(psi^e) = a(psi^(e g))}.
   */
  int[] nttAutomorphismPermutation(int g) {
    int[] perm = new int[n];
    int m2 = 2 * n;
    for (int i = 0; i < n; i++) {
      long e = 2L * NttTable.bitReverse(i, logN) + 1;
      int eg = (int) ((e * g) % m2);
      perm[i] = NttTable.bitReverse((eg - 1) >> 1, logN);
    }
    return perm;
  }

  static long[][] permuteRows(long[][] a, int count, int[] perm) {
    long[][] r = new long[count][perm.length];
    for (int i = 0; i < count; i++) {
      for (int x = 0; x < perm.length; x++) {
        r[i][x] = a[i][perm[x]];
      }
    }
    return r;
  }

  private long[][] modDownBySpecial(long[][] acc, int level) {
    Modulus mp = mods[special];
    long p = mp.q;
    long half = p >>> 1;
    long[] last = acc[level + 1];
    ntt[special].inverse(last);
    long[][] out = new long[level + 1][];
    long[] tmp = new long[n];
    for (int j = 0; j <= level; j++) {
      Modulus mj = mods[j];
      for (int x = 0; x < n; x++) {
        long v = last[x];
        tmp[x] = v > half ? mj.reduce(v - p) : mj.reduceUnsigned(v);
      }
      ntt[j].forward(tmp);
      long inv = mj.inv(mj.reduceUnsigned(p));
      long invS = mj.shoup(inv);
      long[] src = acc[j];
      for (int x = 0; x < n; x++) {
        src[x] = Modulus.mulShoup(mj.sub(src[x], tmp[x]), inv, invS, mj.q);
      }
      out[j] = src;
    }
    return out;
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

  /** Secret-key encryption of NTT-form message rows {@code 0..level}. */
  Ct encryptSymmetric(Sk s, long[][] msgNtt, int level, double scale, boolean keepSeed) {
    int cnt = level + 1;
    byte[] seed = Prg.freshSeed();
    long[][] a = uniformFromSeed(seed, DOMAIN_CT, cnt);
    long[][] e = liftNtt(sampleCbd(Prg.fresh()), cnt);
    long[][] c0 = mul(a, s.ntt, cnt);
    negInto(c0, cnt);
    addInto(c0, e, cnt);
    addInto(c0, msgNtt, cnt);
    return new Ct(id, scheme, level, scale, new long[][][] {c0, a}, keepSeed ? seed : null);
  }

  /**
   * Public-key encryption {@code (p0 u + e0 + m, p1 u + e1)}. With a special prime {@code P}
   * the encryption of zero is computed modulo {@code Q P} and divided by {@code P} (as SEAL
   * does), which shrinks its noise from about {@code ||e u + e1 s||} to the rounding noise;
   * this matters for CKKS precision.
   */
  Ct encryptPublic(Pk p, long[][] msgNtt, int level, double scale) {
    int cnt = level + 1;
    Prg prg = Prg.fresh();
    long[] uSmall = sampleTernary(prg);
    long[] e0Small = sampleCbd(prg);
    long[] e1Small = sampleCbd(prg);
    long[][] c0;
    long[][] c1;
    if (special < 0) {
      long[][] u = liftNtt(uSmall, cnt);
      c0 = mul(p.p0, u, cnt);
      addInto(c0, liftNtt(e0Small, cnt), cnt);
      c1 = mul(p.p1, u, cnt);
      addInto(c1, liftNtt(e1Small, cnt), cnt);
    } else {
      long[][] u = liftWithSpecial(uSmall, level);
      long[][] e0 = liftWithSpecial(e0Small, level);
      long[][] e1 = liftWithSpecial(e1Small, level);
      long[][] a0 = new long[cnt + 1][n];
      long[][] a1 = new long[cnt + 1][n];
      for (int s = 0; s <= cnt; s++) {
        int r = s < cnt ? s : special;
        Modulus m = mods[r];
        for (int x = 0; x < n; x++) {
          a0[s][x] = m.add(m.mul(p.p0[r][x], u[s][x]), e0[s][x]);
          a1[s][x] = m.add(m.mul(p.p1[r][x], u[s][x]), e1[s][x]);
        }
      }
      c0 = modDownBySpecial(a0, level);
      c1 = modDownBySpecial(a1, level);
    }
    if (msgNtt != null) {
      addInto(c0, msgNtt, cnt);
    }
    return new Ct(id, scheme, level, scale, new long[][][] {c0, c1}, null);
  }

  /** Small coefficients to NTT rows {@code 0..level} followed by the special prime's row. */
  private long[][] liftWithSpecial(long[] small, int level) {
    long[][] r = new long[level + 2][n];
    for (int s = 0; s <= level + 1; s++) {
      int idx = s <= level ? s : special;
      Modulus m = mods[idx];
      for (int j = 0; j < n; j++) {
        r[s][j] = m.reduce(small[j]);
      }
      ntt[idx].forward(r[s]);
    }
    return r;
  }

  /** Phase {@code c0 + c1 s + c2 s^2 ...} in coefficient form. */
  long[][] phaseRows(Sk s, Ct c) {
    int cnt = c.level + 1;
    if (c.kept != null) {
      long[][] acc = mul(c.c[1], s.ntt, cnt);
      fromNtt(acc, cnt);
      addInto(acc, c.c[0], cnt);
      return acc;
    }
    long[][] acc = copy(c.c[0], cnt);
    long[][] sp = copy(s.ntt, cnt);
    for (int i = 1; i < c.c.length; i++) {
      mulAddInto(acc, c.c[i], sp, cnt);
      if (i + 1 < c.c.length) {
        sp = mul(sp, s.ntt, cnt);
      }
    }
    fromNtt(acc, cnt);
    return acc;
  }

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
      r[i] = copy(c.c[i], c.level + 1);
      if (i != 0 || c.kept == null) {
        fromNtt(r[i], c.level + 1);
      }
    }
    return r;
  }

  @Override
  public String toString() {
    return "JavaContext[" + params + "]";
  }
}
