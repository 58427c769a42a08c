package dev.oml.he.java.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.FloodingBudget;
import dev.oml.he.HeBackends;
import dev.oml.he.HeParameters;
import dev.oml.he.PredefinedParameters;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The word-arithmetic switch of a compact answer against its definition in big integers:
 * for RNS residues of {@code x} in {@code [0, Q)}, the result is {@code 2^b x / Q} modulo
 * {@code 2^b} up to less than {@code 1/2 + sum(q_i) / 2^64}, the error bound
 * {@link FloodingBudget#compactBits()} budgets for.
 */
class PowerOfTwoSwitchTest {
  private static final HeParameters STANDARD = PredefinedParameters.bfvPrimeField(40);

  @Test
  void switchIsWithinItsBoundOfTheExactQuotient() {
    JavaContext ctx = (JavaContext) HeBackends.pureJava().createContext(STANDARD);
    JavaCoefficientMatVec mv = (JavaCoefficientMatVec) ctx.coefficientMatVec();
    Random rnd = new Random(11);
    for (int level = 0; level < ctx.k; level++) {
      BigInteger q = ctx.ring.qAt[level];
      BigDecimal sumQ = BigDecimal.ZERO;
      for (int i = 0; i <= level; i++) {
        sumQ = sumQ.add(new BigDecimal(ctx.ring.mods[i].big()));
      }
      BigDecimal bound = new BigDecimal("0.5").add(
          sumQ.divide(new BigDecimal(BigInteger.ONE.shiftLeft(64)), MathContext.DECIMAL128));
      for (int bits : new int[] {20, 57, 60, 63}) {
        JavaCoefficientMatVec.PowerOfTwoSwitch sw = mv.powerOfTwoSwitch(level, bits);
        BigInteger twoB = BigInteger.ONE.shiftLeft(bits);
        long[][] rows = new long[level + 1][1];
        for (int trial = 0; trial < 3000; trial++) {
          BigInteger x = trial < 3 ? q.subtract(BigInteger.valueOf(trial))
              : new BigInteger(q.bitLength() + 8, rnd).mod(q);
          for (int i = 0; i <= level; i++) {
            rows[i][0] = x.mod(ctx.ring.mods[i].big()).longValue();
          }
          long got = sw.apply(rows, 0);
          assertTrue(got >= 0 && got >>> bits == 0);
          // distance of got from 2^b x / Q, modulo 2^b, centered
          BigDecimal exact = new BigDecimal(x.shiftLeft(bits)).divide(new BigDecimal(q),
              new MathContext(120));
          BigDecimal diff = new BigDecimal(BigInteger.valueOf(got)).subtract(exact);
          BigInteger wraps = diff.divide(new BigDecimal(twoB), MathContext.DECIMAL128)
              .setScale(0, java.math.RoundingMode.HALF_EVEN).toBigInteger();
          diff = diff.subtract(new BigDecimal(twoB.multiply(wraps)));
          assertTrue(diff.abs().compareTo(bound) < 0,
              "level " + level + ", bits " + bits + ": off by " + diff);
        }
      }
    }
  }

  @Test
  void standardAnswersSwitchToSixtyBits() {
    // 2p (N + 1) (1/2 + sum q_i / 2^64) is about 2^59.2 at N = 8192, so 2^60 is the least
    // power of two above it (the flood's scaled share is about 2^-47 of the noise room)
    JavaContext ctx = (JavaContext) HeBackends.pureJava().createContext(STANDARD);
    FloodingBudget b = FloodingBudget.forMatVec(STANDARD,
        ctx.coefficientMatVec().layout(128, 784), 40);
    assertEquals(60, b.compactBits());
    // Network A's products: operands at level 2 (60 + 52 + 52 bits) still cover the flood
    for (int[] shape : new int[][] {{128, 784}, {128, 128}, {10, 128}}) {
      for (dev.oml.he.MatVecLayout l : new dev.oml.he.MatVecLayout[] {
          dev.oml.he.MatVecLayout.ofEncryptedMatrix(shape[0], shape[1], STANDARD),
          dev.oml.he.MatVecLayout.of(shape[0], shape[1], STANDARD)}) {
        assertEquals(2, FloodingBudget.compactLevel(STANDARD, l, 40), l.toString());
        assertEquals(60, FloodingBudget.forMatVec(STANDARD, l, 40, 2).compactBits());
      }
    }
  }
}
