package dev.oml.he.internal;

import dev.oml.he.IncompatibleOperandsException;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * CKKS encoding for scales of at least {@link #MIN_SCALE} ({@code 2^62}), shared by both
 * backends: the inverse canonical embedding in double-double arithmetic (about 104 bits, twiddles
 * from {@link BigDecimal} series), then each coefficient
 * {@code round(c_hi * scale) + round(c_lo * scale)} (each part the exact product of two doubles
 * rounded, so within one unit of {@code (c_hi + c_lo) * scale}) reduced modulo each prime from
 * its 128-bit magnitude and a power of two. A double-precision FFT leaves relative
 * errors of about {@code 2^-50} in every encoded weight, which at such scales would dominate the
 * evaluation noise and, being a function of the weights, would have to be flooded too; this
 * leaves about {@code 2^-98}. Values whose coefficients reach a quarter of the modulus are
 * refused.
 */
public final class PreciseCkksEncoding {
  /** Scales from which encoders take this path. */
  public static final double MIN_SCALE = 0x1p62;
  /** Relative error, as a standard deviation, of a value encoded this way (a generous bound). */
  public static final double RELATIVE_ERROR = 0x1p-96;
  private static final String PI =
      "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899863";
  private static final MathContext MC = new MathContext(45);

  private final int m;
  private final int slots;
  private final int[] rotGroup;
  private final double[] ksiReHi;
  private final double[] ksiReLo;
  private final double[] ksiImHi;
  private final double[] ksiImLo;

  private static final java.util.Map<Integer, PreciseCkksEncoding> TABLES =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The tables for ring degree {@code n}, built once per degree. */
  public static PreciseCkksEncoding forDegree(int n) {
    return TABLES.computeIfAbsent(n, PreciseCkksEncoding::new);
  }

  /**
   * The slot order of CKKS at ring degree {@code n}: {@code 5^j mod 2n} for {@code j < n/2},
   * the exponents of the roots {@code zeta^(5^j)} at which slot {@code j} evaluates, so that a
   * rotation is the Galois map {@code X -> X^5}. Both encoders index their twiddles through it.
   */
  public static int[] rotationGroup(int n) {
    int m = 2 * n;
    int[] group = new int[n / 2];
    long g = 1;
    for (int j = 0; j < group.length; j++) {
      group[j] = (int) g;
      g = (g * 5) % m;
    }
    return group;
  }

  /** Tables for ring degree {@code n}. */
  PreciseCkksEncoding(int n) {
    this.m = 2 * n;
    this.slots = n / 2;
    rotGroup = rotationGroup(n);
    // zeta^(2^k), k < log2 m, from series at 45 digits; zeta^j as products of those.
    int log = Integer.numberOfTrailingZeros(m);
    double[][] base = new double[log][];
    BigDecimal twoPi = new BigDecimal(PI).multiply(BigDecimal.valueOf(2));
    for (int k = 0; k < log; k++) {
      BigDecimal x = twoPi.multiply(BigDecimal.valueOf(1L << k)).divide(BigDecimal.valueOf(m), MC);
      base[k] = split(cos(x), sin(x));
    }
    ksiReHi = new double[m + 1];
    ksiReLo = new double[m + 1];
    ksiImHi = new double[m + 1];
    ksiImLo = new double[m + 1];
    double[] t = new double[4];
    for (int j = 0; j <= m; j++) {
      double rh = 1;
      double rl = 0;
      double ih = 0;
      double il = 0;
      int e = j % m;
      for (int k = 0; e != 0; k++, e >>>= 1) {
        if ((e & 1) != 0) {
          cmul(rh, rl, ih, il, base[k][0], base[k][1], base[k][2], base[k][3], t);
          rh = t[0];
          rl = t[1];
          ih = t[2];
          il = t[3];
        }
      }
      ksiReHi[j] = rh;
      ksiReLo[j] = rl;
      ksiImHi[j] = ih;
      ksiImLo[j] = il;
    }
  }

  /**
   * The coefficients of {@code real + i imag} (at most {@code N/2} values each, zero-padded) at
   * {@code scale}, modulo each of {@code primes}: {@code rows[i][j]} in {@code [0, q_i)},
   * coefficient form.
   *
   * @throws IncompatibleOperandsException for non-finite values or coefficients of
   *     {@code bitLimit} bits or more
   */
  public long[][] residues(double[] real, double[] imag, double scale, long[] primes,
      int bitLimit) {
    double[] rh = new double[slots];
    double[] rl = new double[slots];
    double[] ih = new double[slots];
    double[] il = new double[slots];
    for (int i = 0; i < real.length; i++) {
      rh[i] = real[i];
    }
    for (int i = 0; i < imag.length; i++) {
      ih[i] = imag[i];
    }
    for (int i = 0; i < slots; i++) {
      if (!Double.isFinite(rh[i]) || !Double.isFinite(ih[i])) {
        throw new IncompatibleOperandsException("values must be finite");
      }
    }
    inverse(rh, rl, ih, il);
    dev.oml.he.java.internal.Modulus[] mods = new dev.oml.he.java.internal.Modulus[primes.length];
    long[][] pow2 = new long[primes.length][Math.max(1, bitLimit)];
    for (int i = 0; i < primes.length; i++) {
      mods[i] = new dev.oml.he.java.internal.Modulus(primes[i]);
      long v = 1;
      for (int e = 0; e < pow2[i].length; e++) {
        pow2[i][e] = v;
        v = mods[i].add(v, v);
      }
    }
    long[][] rows = new long[primes.length][2 * slots];
    long[] wa = new long[4];
    long[] wb = new long[4];
    for (int j = 0; j < 2 * slots; j++) {
      part(j < slots ? rh[j] : ih[j - slots], scale, wa);
      part(j < slots ? rl[j] : il[j - slots], scale, wb);
      int bits = (wa[0] != 0 ? 128 - Long.numberOfLeadingZeros(wa[0])
          : 64 - Long.numberOfLeadingZeros(wa[1])) + (int) wa[2];
      if (bits >= bitLimit) {
        throw new IncompatibleOperandsException("value times scale does not fit the modulus at "
            + "this level: lower the scale or the values");
      }
      for (int i = 0; i < primes.length; i++) {
        dev.oml.he.java.internal.Modulus md = mods[i];
        long a = md.mul(md.reduceWide(wa[0], wa[1]), pow2[i][(int) wa[2]]);
        long b = md.mul(md.reduceWide(wb[0], wb[1]), pow2[i][(int) wb[2]]);
        rows[i][j] = md.add(wa[3] < 0 ? md.neg(a) : a, wb[3] < 0 ? md.neg(b) : b);
      }
    }
    return rows;
  }

  /**
   * {@code round(c * scale)} as {@code {hi, lo, shift, sign}} (magnitude
   * {@code (hi 2^64 + lo) 2^shift}): the double product rounded below {@code 2^53}, where it is
   * within one half of the exact one, else {@link #exactRound}.
   */
  private static void part(double c, double scale, long[] out) {
    double a = c * scale;
    if (Math.abs(a) < 0x1p53) {
      long v = Math.round(a);
      out[0] = 0;
      out[1] = Math.abs(v);
      out[2] = 0;
      out[3] = v < 0 ? -1 : 1;
    } else {
      exactRound(c, scale, out);
    }
  }

  /**
   * {@code round(c * scale)} of the exact product, half to even, for a product of at least
   * {@code 2^53} in magnitude: {@code out = {hi, lo, shift, sign}} with the magnitude
   * {@code (hi * 2^64 + lo) * 2^shift}. Both doubles are {@code m * 2^e} with 53-bit
   * {@code m}, so the product of the mantissas is exact in 106 bits; a negative exponent is a
   * right shift by at most 53 bits, rounded.
   */
  public static void exactRound(double c, double scale, long[] out) {
    long mc = mantissa(c);
    long ms = mantissa(scale);
    int e = exponent(c) + exponent(scale);
    long hi = Math.multiplyHigh(mc, ms);
    long lo = mc * ms;
    if (e < 0) {
      int k = -e;
      if (k > 63) {
        throw new IllegalStateException("product below 2^53 on the wide path");
      }
      long rem = lo & ((1L << k) - 1);
      long half = 1L << (k - 1);
      long nlo = (lo >>> k) | (hi << (64 - k));
      long nhi = hi >>> k;
      if (Long.compareUnsigned(rem, half) > 0 || (rem == half && (nlo & 1) == 1)) {
        nlo++;
        if (nlo == 0) {
          nhi++;
        }
      }
      hi = nhi;
      lo = nlo;
      e = 0;
    }
    out[0] = hi;
    out[1] = lo;
    out[2] = e;
    out[3] = c < 0 ? -1 : 1;
  }

  /** The 53-bit integer mantissa of a finite nonzero double's magnitude. */
  private static long mantissa(double x) {
    long bits = Double.doubleToRawLongBits(x) & 0x7fffffffffffffffL;
    long frac = bits & 0xfffffffffffffL;
    return (bits >>> 52) == 0 ? frac : frac | (1L << 52);
  }

  /** The exponent {@code e} with {@code |x| = mantissa(x) * 2^e}. */
  private static int exponent(double x) {
    long bits = Double.doubleToRawLongBits(x) & 0x7fffffffffffffffL;
    int biased = (int) (bits >>> 52);
    return (biased == 0 ? 1 : biased) - 1075;
  }

  /**
   * {@link #residues} for a slot order whose slot {@code j} is the root {@code zeta^(g^j)}
   * ({@code g = 3} for SEAL; this class's own order is {@code g = 5}): each slot is moved to the
   * slot of the same root, or conjugated into the slot of the conjugate root, which a real
   * polynomial takes the conjugate value at.
   */
  public long[][] residues(double[] real, double[] imag, double scale, long[] primes,
      int bitLimit, int generator) {
    if (generator == 5) {
      return residues(real, imag, scale, primes, bitLimit);
    }
    int[] slotOf = new int[m];
    java.util.Arrays.fill(slotOf, -1);
    long g = 1;
    for (int j = 0; j < slots; j++) {
      slotOf[(int) g] = j;
      g = (g * 5) % m;
    }
    double[] re = new double[slots];
    double[] im = new double[slots];
    long pos = 1;
    for (int i = 0; i < slots; i++) {
      double r = i < real.length ? real[i] : 0.0;
      double c = i < imag.length ? imag[i] : 0.0;
      int same = slotOf[(int) pos];
      if (same >= 0) {
        re[same] = r;
        im[same] = c;
      } else {
        int conj = slotOf[(int) (m - pos)];
        re[conj] = r;
        im[conj] = -c;
      }
      pos = (pos * generator) % m;
    }
    return residues(re, im, scale, primes, bitLimit);
  }

  /** The inverse special FFT (as the double one of the Java engine), in double-double. */
  void inverse(double[] rh, double[] rl, double[] ih, double[] il) {
    int size = rh.length;
    double[] t = new double[4];
    double[] u = new double[2];
    for (int len = size; len >= 2; len >>= 1) {
      int lenh = len >> 1;
      int lenq = len << 2;
      for (int i = 0; i < size; i += len) {
        for (int j = 0; j < lenh; j++) {
          int idx = (int) (((long) (lenq - (rotGroup[j] % lenq))) * m / lenq);
          int a = i + j;
          int b = i + j + lenh;
          add(rh[a], rl[a], -rh[b], -rl[b], u);
          double drh = u[0];
          double drl = u[1];
          add(ih[a], il[a], -ih[b], -il[b], u);
          double dih = u[0];
          double dil = u[1];
          add(rh[a], rl[a], rh[b], rl[b], u);
          rh[a] = u[0];
          rl[a] = u[1];
          add(ih[a], il[a], ih[b], il[b], u);
          ih[a] = u[0];
          il[a] = u[1];
          cmul(drh, drl, dih, dil, ksiReHi[idx], ksiReLo[idx], ksiImHi[idx], ksiImLo[idx], t);
          rh[b] = t[0];
          rl[b] = t[1];
          ih[b] = t[2];
          il[b] = t[3];
        }
      }
    }
    bitReverse(rh, rl, ih, il);
    double inv = 1.0 / size;
    for (int i = 0; i < size; i++) {
      rh[i] *= inv;
      rl[i] *= inv;
      ih[i] *= inv;
      il[i] *= inv;
    }
  }

  /**
   * Puts every array in bit-reversed index order (all of one power-of-two length): the
   * permutation around the butterflies of both CKKS encoders' FFTs.
   */
  public static void bitReverse(double[]... arrays) {
    int size = arrays[0].length;
    for (int i = 1, j = 0; i < size; ++i) {
      int bit = size >> 1;
      for (; j >= bit; bit >>= 1) {
        j -= bit;
      }
      j += bit;
      if (i < j) {
        for (double[] a : arrays) {
          swap(a, i, j);
        }
      }
    }
  }

  private static void swap(double[] a, int i, int j) {
    double x = a[i];
    a[i] = a[j];
    a[j] = x;
  }

  /** Double-double sum into {@code out[0], out[1]}. */
  private static void add(double ah, double al, double bh, double bl, double[] out) {
    double s = ah + bh;
    double v = s - ah;
    double e = (ah - (s - v)) + (bh - v) + al + bl;
    double hi = s + e;
    out[0] = hi;
    out[1] = e - (hi - s);
  }

  /** Double-double product into {@code out[0], out[1]}. */
  private static void mul(double ah, double al, double bh, double bl, double[] out) {
    double p = ah * bh;
    double e = Math.fma(ah, bh, -p) + (ah * bl + al * bh);
    double hi = p + e;
    out[0] = hi;
    out[1] = e - (hi - p);
  }

  /** Complex double-double product {@code (a + ib)(c + id)} into {@code out[0..3]}. */
  private static void cmul(double ah, double al, double bh, double bl, double ch, double cl,
      double dh, double dl, double[] out) {
    double[] x = new double[2];
    double[] y = new double[2];
    mul(ah, al, ch, cl, x);
    mul(bh, bl, dh, dl, y);
    add(x[0], x[1], -y[0], -y[1], x);
    double reh = x[0];
    double rel = x[1];
    mul(ah, al, dh, dl, x);
    mul(bh, bl, ch, cl, y);
    add(x[0], x[1], y[0], y[1], x);
    out[0] = reh;
    out[1] = rel;
    out[2] = x[0];
    out[3] = x[1];
  }

  private static double[] split(BigDecimal re, BigDecimal im) {
    double rh = re.doubleValue();
    double ih = im.doubleValue();
    return new double[] {rh, re.subtract(new BigDecimal(rh)).doubleValue(), ih,
        im.subtract(new BigDecimal(ih)).doubleValue()};
  }

  private static BigDecimal cos(BigDecimal x) {
    return series(x, 0);
  }

  private static BigDecimal sin(BigDecimal x) {
    return series(x, 1);
  }

  /** Taylor series of cos (start 0) or sin (start 1), to 45 digits (|x| <= 2 pi). */
  private static BigDecimal series(BigDecimal x, int start) {
    BigDecimal x2 = x.multiply(x, MC);
    BigDecimal term = start == 0 ? BigDecimal.ONE : x;
    BigDecimal sum = term;
    BigDecimal eps = BigDecimal.ONE.movePointLeft(60);
    for (int k = start + 2; term.abs().compareTo(eps) > 0; k += 2) {
      term = term.multiply(x2, MC).divide(BigDecimal.valueOf((long) k * (k - 1)), MC).negate();
      sum = sum.add(term, MC);
    }
    return sum;
  }
}
