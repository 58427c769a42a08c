package dev.oml.he.java.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.IncompatibleOperandsException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The CKKS encoder at scales above {@code 2^62}: every coefficient equals, modulo every prime,
 * the big-integer rounding (half to even) of the exact product of the inverse embedding's
 * coefficient and the scale, computed here with {@link BigDecimal}; coefficients below
 * {@code 2^62} keep the word path; decoding gives the values back; values beyond a quarter of the
 * level's modulus are refused.
 */
class JavaCkksEncoderWideTest {
  private static final HeParameters P = HeParameters.builder(HeScheme.CKKS)
      .polyModulusDegree(1024).coeffModulusBits(60, 60, 60, 60).specialPrimeBits(60)
      .insecureForTesting().name("INSECURE-CKKS-N1024-WIDE").build();

  @Test
  void wideCoefficientsBelowA62BitScaleAreTheExactRoundedProductInEveryPrime() {
    JavaContext ctx = new JavaContext(P);
    JavaCkksEncoder enc = new JavaCkksEncoder(ctx);
    Random r = new Random(7);
    int slots = ctx.n / 2;
    double[] re = new double[slots];
    double[] im = new double[slots];
    for (int i = 0; i < slots; i++) {
      re[i] = r.nextGaussian() * 0x1p30;
      im[i] = r.nextGaussian() * 1e-3;
    }
    for (double scale : new double[] {0x1p40, 1.2345e15}) {
      JavaObjects.Pt pt = (JavaObjects.Pt) enc.encode(re, im, scale, 3);
      long[][] rows = RnsRing.copy(pt.rows, 4);
      ctx.ring.fromNtt(rows, 4);
      double[] cre = re.clone();
      double[] cim = im.clone();
      ctx.fft.inverse(cre, cim);
      int wide = 0;
      for (int j = 0; j < ctx.n; j++) {
        double c = j < slots ? cre[j] : cim[j - slots];
        boolean small = c * scale < 0x1p62 && c * scale > -0x1p62;
        wide += small ? 0 : 1;
        BigInteger want = small ? BigInteger.valueOf(Math.round(c * scale))
            : new BigDecimal(c).multiply(new BigDecimal(scale))
                .setScale(0, RoundingMode.HALF_EVEN).toBigInteger();
        for (int i = 0; i < 4; i++) {
          assertEquals(want.mod(BigInteger.valueOf(ctx.mods[i].q)).longValue(), rows[i][j],
              "scale " + scale + " coefficient " + j + " prime " + i);
        }
      }
      assertTrue(wide > ctx.n / 4, "most coefficients on the wide path: " + wide);
    }
  }

  /**
   * Scales of at least 2^62 (the double-double path): the encoded integer polynomial, evaluated
   * at the slots' roots {@code zeta^(5^j)} in 60-digit decimal arithmetic (the definition of
   * the canonical embedding, no FFT), divided by the scale, gives every slot to within 2^-90,
   * where a double-precision FFT is off by about 2^-50.
   */
  @Test
  void largeScalesEncodeToTheCanonicalEmbeddingAt90Bits() {
    HeParameters small = HeParameters.builder(HeScheme.CKKS).polyModulusDegree(64)
        .coeffModulusBits(60, 60, 60, 60).specialPrimeBits(60).insecureForTesting()
        .name("INSECURE-CKKS-N64-WIDE").build();
    JavaContext ctx = new JavaContext(small);
    JavaCkksEncoder enc = new JavaCkksEncoder(ctx);
    Random r = new Random(8);
    int slots = 32;
    double[] re = new double[slots];
    double[] im = new double[slots];
    for (int i = 0; i < slots; i++) {
      re[i] = r.nextGaussian();
      im[i] = r.nextGaussian();
    }
    java.math.MathContext mc = new java.math.MathContext(60);
    BigDecimal[][] zeta = Oracle.roots(128, mc);
    for (double scale : new double[] {0x1p62, 0x1.7a3p120, 1.2345e45}) {
      JavaObjects.Pt pt = (JavaObjects.Pt) enc.encode(re, im, scale, 3);
      long[][] rows = RnsRing.copy(pt.rows, 4);
      ctx.ring.fromNtt(rows, 4);
      BigInteger[] coef = new BigInteger[64];
      for (int j = 0; j < 64; j++) {
        coef[j] = ctx.ring.crtCentered(rows, 3, j);
      }
      // Rounding 64 coefficients by at most one unit each moves a slot by at most 64 / scale.
      double err = maxSlotError(coef, scale, re, im, zeta, mc);
      assertTrue(err < 0x1p-90 + 64 / scale, "scale " + scale + ": " + err);
    }
    // The oracle sees a double-precision FFT's error: the same scale from the double FFT's
    // coefficients, rounded exactly, is off by far more.
    double scale = 0x1.7a3p120;
    double[] cre = re.clone();
    double[] cim = im.clone();
    ctx.fft.inverse(cre, cim);
    BigInteger[] coef = new BigInteger[64];
    for (int j = 0; j < 64; j++) {
      coef[j] = new BigDecimal(j < slots ? cre[j] : cim[j - slots]).multiply(
          new BigDecimal(scale)).setScale(0, RoundingMode.HALF_EVEN).toBigInteger();
    }
    double err = maxSlotError(coef, scale, re, im, zeta, mc);
    assertTrue(err > 0x1p-70, "double FFT: " + err);
  }

  /** Largest slot error of the integer polynomial {@code coef} at {@code scale}, by definition. */
  private static double maxSlotError(BigInteger[] coef, double scale, double[] re, double[] im,
      BigDecimal[][] zeta, java.math.MathContext mc) {
    BigDecimal s = new BigDecimal(scale);
    double max = 0;
    long g = 1;
    for (int j = 0; j < re.length; j++) {
      BigDecimal sr = BigDecimal.ZERO;
      BigDecimal si = BigDecimal.ZERO;
      for (int k = 0; k < coef.length; k++) {
        int e = (int) ((g * k) % (2 * coef.length));
        BigDecimal c = new BigDecimal(coef[k]);
        sr = sr.add(c.multiply(zeta[e][0], mc), mc);
        si = si.add(c.multiply(zeta[e][1], mc), mc);
      }
      max = Math.max(max, sr.divide(s, mc).subtract(new BigDecimal(re[j])).abs().doubleValue());
      max = Math.max(max, si.divide(s, mc).subtract(new BigDecimal(im[j])).abs().doubleValue());
      g = (g * 5) % (2 * coef.length);
    }
    return max;
  }

  /** Roots of unity in decimal arithmetic, for the oracle. */
  private static final class Oracle {
    static BigDecimal[][] roots(int m, java.math.MathContext mc) {
      BigDecimal pi = new BigDecimal(
          "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899863");
      BigDecimal[][] z = new BigDecimal[m][];
      for (int e = 0; e < m; e++) {
        BigDecimal x = pi.multiply(BigDecimal.valueOf(2L * e)).divide(BigDecimal.valueOf(m), mc);
        z[e] = new BigDecimal[] {series(x, 0, mc), series(x, 1, mc)};
      }
      return z;
    }

    private static BigDecimal series(BigDecimal x, int start, java.math.MathContext mc) {
      BigDecimal x2 = x.multiply(x, mc);
      BigDecimal term = start == 0 ? BigDecimal.ONE : x;
      BigDecimal sum = term;
      for (int k = start + 2; k < 400; k += 2) {
        term = term.multiply(x2, mc).divide(BigDecimal.valueOf((long) k * (k - 1)), mc).negate();
        sum = sum.add(term, mc);
      }
      return sum;
    }
  }

  @Test
  void exactRoundingMatchesBigDecimalIncludingTies() {
    Random r = new Random(9);
    long[] w = new long[4];
    for (int t = 0; t < 20_000; t++) {
      double c = (r.nextBoolean() ? 1 : -1) * Math.scalb(1 + r.nextDouble(), r.nextInt(80) - 40);
      double scale = Math.scalb(1 + r.nextDouble(), 62 + 40 - Math.getExponent(c)
          + r.nextInt(100));
      check(c, scale, w);
    }
    // Ties: odd 53-bit mantissas whose product is an odd multiple of one half.
    check(0x1p52 - 0.5, 0x1p53 - 3, w);
    check(-(0x1p52 - 0.5), 0x1p53 - 3, w);
    check(0x1p52 - 1.5, 0x1p53 - 1, w);
    check(3.0, 0x1p200, w);
  }

  private static void check(double c, double scale, long[] w) {
    BigInteger want = new BigDecimal(c).multiply(new BigDecimal(scale))
        .setScale(0, RoundingMode.HALF_EVEN).toBigInteger();
    JavaCkksEncoder.exactRound(c, scale, w);
    BigInteger mag = new BigInteger(Long.toUnsignedString(w[0])).shiftLeft(64)
        .add(new BigInteger(Long.toUnsignedString(w[1]))).shiftLeft((int) w[2]);
    assertEquals(want, w[3] < 0 ? mag.negate() : mag, c + " * " + scale);
  }

  @Test
  void valuesBeyondTheLevelsModulusAreRefused() {
    JavaContext ctx = new JavaContext(P);
    JavaCkksEncoder enc = new JavaCkksEncoder(ctx);
    double[] v = new double[ctx.n / 2];
    java.util.Arrays.fill(v, 1.0);
    enc.encode(v, new double[0], 0x1p150, 3);
    // Level 0 is one 60-bit prime: 2^150 does not fit; 2^56 does.
    assertThrows(IncompatibleOperandsException.class,
        () -> enc.encode(v, new double[0], 0x1p150, 0));
    assertTrue(enc.decode(enc.encode(v, new double[0], 0x1p56, 0))[0] > 0.99);
    v[0] = Double.NaN;
    assertThrows(IncompatibleOperandsException.class,
        () -> enc.encode(v, new double[0], 0x1p100, 3));
  }
}
