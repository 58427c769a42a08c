package dev.oml.he.java.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.HeBackends;
import dev.oml.he.PredefinedParameters;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** White-box checks of the circuit-privacy samplers: range and uniformity of the flood. */
class JavaEvaluatorTest {
  @Test
  void floodNoiseIsUniformOnItsInterval() {
    JavaContext ctx = (JavaContext) HeBackends.pureJava()
        .createContext(PredefinedParameters.bfvTwoParty(37, 40));
    JavaEvaluator ev = (JavaEvaluator) ctx.evaluator();
    for (int bits : new int[] {20, 63, 64, 111}) {
      int level = ctx.k - 1;
      long[][] rows = ev.floodNtt(bits, level);
      ctx.ring.fromNtt(rows, level + 1);
      BigInteger bound = BigInteger.ONE.shiftLeft(bits);
      int[] bins = new int[8];
      for (int j = 0; j < ctx.n; j++) {
        BigInteger v = ctx.ring.crtCentered(rows, level, j);
        assertTrue(v.compareTo(bound.negate()) >= 0 && v.compareTo(bound) < 0, "out of range");
        // Bin by the top three bits of v + 2^bits in [0, 2^(bits+1)).
        bins[v.add(bound).shiftRight(bits - 2).intValueExact()]++;
      }
      // 8192 samples into 8 bins: expected 1024 each; chi-square with 7 degrees of freedom
      // stays below 30 except with probability about 1e-4.
      double chi = 0;
      for (int b : bins) {
        chi += Math.pow(b - ctx.n / 8.0, 2) / (ctx.n / 8.0);
      }
      assertTrue(chi < 30, "flood not uniform for " + bits + " bits: chi^2 = " + chi);
    }
  }

  @Test
  void bfvPlainLiftIsCentered() {
    JavaContext ctx = (JavaContext) HeBackends.pureJava()
        .createContext(PredefinedParameters.bfvTwoParty(37, 40));
    long t = ctx.t;
    long[] m = new long[ctx.n];
    m[0] = t - 1;
    m[1] = t / 2;
    m[2] = t / 2 + 1;
    long[][] rows = ctx.bfvPlainNtt(m, 1);
    ctx.ring.fromNtt(rows, 2);
    assertEquals(BigInteger.valueOf(-1), ctx.ring.crtCentered(rows, 1, 0));
    assertEquals(BigInteger.valueOf(t / 2), ctx.ring.crtCentered(rows, 1, 1));
    assertEquals(BigInteger.valueOf(t / 2 + 1 - t), ctx.ring.crtCentered(rows, 1, 2));
  }
}
