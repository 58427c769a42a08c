package dev.oml.he.java.internal;

import dev.oml.he.HeParameters;
import java.math.BigInteger;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ring arithmetic of the pure-Java engine: RNS polynomials {@code long[row][coefficient]} over
 * the data primes {@code q_0..q_{k-1}} (rows {@code 0..k-1}) and the special prime (row
 * {@code k}), their number-theoretic transforms, sampling, pointwise products, CRT, rescaling
 * and automorphisms. Knows nothing of keys, schemes or ciphertexts; {@link KeySwitcher} and
 * {@link RlweEncryption} are built on it.
 */
final class RnsRing {
  final int n;
  final int logN;
  final int k;
  final Modulus[] mods;
  final NttTable[] ntt;
  /** Row of the special prime, or {@code -1} when the parameters have none. */
  final int special;
  // CRT per level over the data primes
  final BigInteger[] qAt;
  final BigInteger[][] crtHat;
  final long[][] crtHatInv;
  private final Map<Integer, int[]> nttPermutations = new ConcurrentHashMap<>();

  RnsRing(HeParameters p) {
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
  }

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

  /**
   * The Galois map {@code X -> X^g} on NTT-form rows is a permutation: index {@code i} holds
   * the value at {@code psi^(2 bitrev(i) + 1)}, and {@code (sigma_g a)(psi^e) = a(psi^(e g))}.
   */
  int[] nttAutomorphismPermutation(int g) {
    return nttPermutations.computeIfAbsent(g, this::computeNttPermutation);
  }

  private int[] computeNttPermutation(int g) {
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

  /**
   * Rows {@code 0..level} then the special prime {@code P} (NTT form, row {@code level + 1})
   * divided by {@code P} with rounding: the last step of key switching and of a public-key
   * encryption computed modulo {@code Q P}. Reuses {@code acc}'s rows.
   */
  long[][] divideBySpecial(long[][] acc, int level) {
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

  /** Small coefficients to NTT rows {@code 0..level} followed by the special prime's row. */
  /** Small coefficients to NTT rows {@code 0..level} followed by the special prime's row. */
  long[][] liftWithSpecial(long[] small, int level) {
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

}
