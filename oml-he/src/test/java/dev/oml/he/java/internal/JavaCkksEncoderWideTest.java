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
  void wideCoefficientsAreTheExactRoundedProductInEveryPrime() {
    JavaContext ctx = new JavaContext(P);
    JavaCkksEncoder enc = new JavaCkksEncoder(ctx);
    Random r = new Random(7);
    int slots = ctx.n / 2;
    double[] re = new double[slots];
    double[] im = new double[slots];
    for (int i = 0; i < slots; i++) {
      re[i] = r.nextGaussian();
      im[i] = r.nextGaussian() * 1e-9;
    }
    // Some slots tiny, so that a few coefficients stay on the word path and most do not.
    re[3] = 0;
    double[] scales = {0x1p62, 0x1.7a3p100, 1.2345e33, 0x1p150};
    for (double scale : scales) {
      for (int level : new int[] {3, 2}) {
        JavaObjects.Pt pt = (JavaObjects.Pt) enc.encode(re, im, scale, level);
        int cnt = level + 1;
        long[][] rows = RnsRing.copy(pt.rows, cnt);
        ctx.ring.fromNtt(rows, cnt);
        double[] cre = re.clone();
        double[] cim = im.clone();
        ctx.fft.inverse(cre, cim);
        for (int j = 0; j < ctx.n; j++) {
          double c = j < slots ? cre[j] : cim[j - slots];
          BigInteger want = c * scale < 0x1p62 && c * scale > -0x1p62
              ? BigInteger.valueOf(Math.round(c * scale))
              : new BigDecimal(c).multiply(new BigDecimal(scale))
                  .setScale(0, RoundingMode.HALF_EVEN).toBigInteger();
          for (int i = 0; i < cnt; i++) {
            assertEquals(want.mod(BigInteger.valueOf(ctx.mods[i].q)).longValue(), rows[i][j],
                "scale " + scale + " coefficient " + j + " prime " + i);
          }
        }
        double[][] back = enc.decodeComplex(pt);
        for (int i = 0; i < slots; i++) {
          assertEquals(re[i], back[0][i], 1e-12);
          assertEquals(im[i], back[1][i], 1e-12);
        }
      }
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
