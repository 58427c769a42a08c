package dev.oml.he.java.internal;

import java.util.Arrays;

/**
 * BFV tensoring at one level in RNS only (after Halevi, Polyakov and Shoup): both operands are
 * lifted to centered values in an auxiliary base {@code P} by fast base conversion, the tensor
 * product is computed in {@code Q u P} without wrap-around ({@code P > 2 t N Q}), and
 * {@code round(t z / Q)} is obtained as the exact quotient {@code (t z - [t z]_Q) / Q} in base
 * {@code P}, whose result is converted back to {@code Q}. Each centered conversion decides the
 * overflow count from a double-precision sum; it can err only for a value within about
 * {@code 2^-50 Q} of {@code +-Q/2}, which uniformly distributed ciphertext coefficients hit
 * with probability about {@code 2^-48} per coefficient. {@link BfvMultiplierBig} is the exact
 * reference it is tested against.
 */
final class BfvMultiplier {
  private final JavaContext ctx;
  private final int level;
  private final int nq;
  private final Modulus[] qm;
  private final Modulus[] pm;
  private final NttTable[] pNtt;
  private final Conversion qToP;
  private final Conversion pToQ;
  private final long[] tModQ;
  private final long[] tModP;
  private final long[] qInvModP;
  private final long[] qInvModPShoup;

  /** Precomputation of a centered fast base conversion from one RNS base to another. */
  private static final class Conversion {
    final Modulus[] from;
    final Modulus[] to;
    final long[] hatInv;
    final long[] hatInvShoup;
    final double[] inv;
    final long[][] hatMod;
    final long[] prodMod;

    Conversion(Modulus[] from, Modulus[] to) {
      this.from = from;
      this.to = to;
      int a = from.length;
      hatInv = new long[a];
      hatInvShoup = new long[a];
      inv = new double[a];
      hatMod = new long[a][to.length];
      prodMod = new long[to.length];
      for (int i = 0; i < a; i++) {
        long h = 1;
        for (int k = 0; k < a; k++) {
          if (k != i) {
            h = from[i].mul(h, from[k].q % from[i].q);
          }
        }
        hatInv[i] = from[i].inv(h);
        hatInvShoup[i] = from[i].shoup(hatInv[i]);
        inv[i] = 1.0 / from[i].q;
        for (int j = 0; j < to.length; j++) {
          long hj = 1;
          for (int k = 0; k < a; k++) {
            if (k != i) {
              hj = to[j].mul(hj, to[j].reduceUnsigned(from[k].q));
            }
          }
          hatMod[i][j] = hj;
        }
      }
      for (int j = 0; j < to.length; j++) {
        long p = 1;
        for (Modulus f : from) {
          p = to[j].mul(p, to[j].reduceUnsigned(f.q));
        }
        prodMod[j] = p;
      }
    }

    /** Centered conversion of coefficient-form rows {@code src} into new rows {@code dst}. */
    void apply(long[][] src, long[][] dst, int n) {
      int a = from.length;
      long[] y = new long[a];
      for (int c = 0; c < n; c++) {
        double s = 0;
        for (int i = 0; i < a; i++) {
          y[i] = Modulus.mulShoup(src[i][c], hatInv[i], hatInvShoup[i], from[i].q);
          s += y[i] * inv[i];
        }
        long v = Math.round(s);
        for (int j = 0; j < to.length; j++) {
          Modulus m = to[j];
          long acc = 0;
          for (int i = 0; i < a; i++) {
            acc = m.add(acc, m.mul(m.reduceUnsigned(y[i]), hatMod[i][j]));
          }
          dst[j][c] = m.sub(acc, m.mul(m.reduceUnsigned(v), prodMod[j]));
        }
      }
    }
  }

  BfvMultiplier(JavaContext ctx, int level) {
    this.ctx = ctx;
    this.level = level;
    this.nq = level + 1;
    qm = Arrays.copyOf(ctx.mods, nq);
    int count = level + 3;
    int[] bits = new int[count];
    Arrays.fill(bits, 60);
    long[] primes = Primes.nttPrimes(ctx.n, bits, ctx.allPrimes());
    pm = new Modulus[count];
    pNtt = new NttTable[count];
    for (int i = 0; i < count; i++) {
      pm[i] = new Modulus(primes[i]);
      pNtt[i] = new NttTable(ctx.n, pm[i]);
    }
    qToP = new Conversion(qm, pm);
    pToQ = new Conversion(pm, qm);
    tModQ = new long[nq];
    for (int i = 0; i < nq; i++) {
      tModQ[i] = qm[i].reduceUnsigned(ctx.t);
    }
    tModP = new long[count];
    qInvModP = new long[count];
    qInvModPShoup = new long[count];
    for (int j = 0; j < count; j++) {
      tModP[j] = pm[j].reduceUnsigned(ctx.t);
      long q = 1;
      for (Modulus m : qm) {
        q = pm[j].mul(q, pm[j].reduceUnsigned(m.q));
      }
      qInvModP[j] = pm[j].inv(q);
      qInvModPShoup[j] = pm[j].shoup(qInvModP[j]);
    }
  }

  /** NTT-form component over Q to NTT-form rows over Q then P (centered lift). */
  private long[][] extend(long[] [] nttRows) {
    int n = ctx.n;
    long[][] coeff = new long[nq][];
    for (int i = 0; i < nq; i++) {
      coeff[i] = nttRows[i].clone();
      ctx.ntt[i].inverse(coeff[i]);
    }
    long[][] p = new long[pm.length][n];
    qToP.apply(coeff, p, n);
    long[][] r = new long[nq + pm.length][];
    for (int i = 0; i < nq; i++) {
      r[i] = nttRows[i].clone();
    }
    for (int j = 0; j < pm.length; j++) {
      pNtt[j].forward(p[j]);
      r[nq + j] = p[j];
    }
    return r;
  }

  private Modulus mod(int row) {
    return row < nq ? qm[row] : pm[row - nq];
  }

  long[][][] multiply(long[][][] a, long[][][] b) {
    int n = ctx.n;
    int total = nq + pm.length;
    long[][] a0 = extend(a[0]);
    long[][] a1 = extend(a[1]);
    long[][] b0 = extend(b[0]);
    long[][] b1 = extend(b[1]);
    long[][][] out = new long[3][][];
    long[][] zq = new long[nq][n];
    long[][] rp = new long[pm.length][n];
    for (int c = 0; c < 3; c++) {
      long[][] d = new long[total][n];
      for (int r = 0; r < total; r++) {
        Modulus m = mod(r);
        long[] x0 = a0[r];
        long[] x1 = a1[r];
        long[] y0 = b0[r];
        long[] y1 = b1[r];
        long[] z = d[r];
        for (int x = 0; x < n; x++) {
          if (c == 0) {
            z[x] = m.mul(x0[x], y0[x]);
          } else if (c == 1) {
            z[x] = m.add(m.mul(x0[x], y1[x]), m.mul(x1[x], y0[x]));
          } else {
            z[x] = m.mul(x1[x], y1[x]);
          }
        }
        if (r < nq) {
          ctx.ntt[r].inverse(z);
        } else {
          pNtt[r - nq].inverse(z);
        }
      }
      // [t z]_Q, centered, into base P; then (t z - [t z]_Q) / Q exactly in base P.
      for (int i = 0; i < nq; i++) {
        Modulus m = qm[i];
        for (int x = 0; x < n; x++) {
          zq[i][x] = m.mul(d[i][x], tModQ[i]);
        }
      }
      qToP.apply(zq, rp, n);
      for (int j = 0; j < pm.length; j++) {
        Modulus m = pm[j];
        long[] zj = d[nq + j];
        long[] rj = rp[j];
        for (int x = 0; x < n; x++) {
          long tz = m.mul(zj[x], tModP[j]);
          rj[x] = Modulus.mulShoup(m.sub(tz, rj[x]), qInvModP[j], qInvModPShoup[j], m.q);
        }
      }
      long[][] res = new long[nq][n];
      pToQ.apply(rp, res, n);
      ctx.ring.toNtt(res, nq);
      out[c] = res;
    }
    return out;
  }

  int level() {
    return level;
  }
}
