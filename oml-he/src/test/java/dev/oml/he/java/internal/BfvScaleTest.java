package dev.oml.he.java.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.oml.core.field.PrimeField;
import dev.oml.he.BfvEncoding;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.conformance.TestParameters;
import java.math.BigInteger;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * BFV's scaled message {@code round(Q_level m / t) mod q_i} in word arithmetic (Shoup products,
 * zero coefficients skipped) equals its big-integer definition at every level, for the served
 * parameters ({@code t = p}), an INSECURE chain with {@code t = p}, and power-of-two and batching
 * plain moduli; messages mix zeros, {@code 1}, {@code t - 1} and uniform values.
 */
class BfvScaleTest {
  private static final HeParameters INSECURE_FP = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(512).coeffModulusBits(60, 50, 50).plainModulus(PrimeField.P)
      .encoding(BfvEncoding.COEFFICIENT).insecureForTesting().build();

  @Test
  void scaledMessageMatchesBigInteger() {
    Random rnd = new Random(14);
    for (HeParameters p : List.of(PredefinedParameters.bfvPrimeField(40), INSECURE_FP,
        TestParameters.INSECURE_BFV_COEFF, TestParameters.INSECURE_BFV_BATCHING,
        TestParameters.INSECURE_BFV_TINY)) {
      JavaContext ctx = new JavaContext(p);
      long t = ctx.t;
      BigInteger bt = BigInteger.valueOf(t);
      long[] m = new long[ctx.n];
      for (int j = 0; j < m.length; j++) {
        switch (j % 5) {
          case 0 -> m[j] = 0;
          case 1 -> m[j] = j % 2 == 0 ? 1 : t - 1;
          default -> m[j] = Math.floorMod(rnd.nextLong(), t);
        }
      }
      for (int level = 0; level < ctx.k; level++) {
        long[][] got = ctx.bfvScale(m, level);
        BigInteger q = ctx.qAt[level];
        for (int j = 0; j < m.length; j++) {
          // round(Q m / t), halves up: floor((2 Q m + t) / (2 t))
          BigInteger want = q.multiply(BigInteger.valueOf(m[j])).shiftLeft(1).add(bt)
              .divide(bt.shiftLeft(1));
          for (int i = 0; i <= level; i++) {
            assertEquals(want.mod(ctx.mods[i].big()).longValueExact(), got[i][j],
                p.name() + " level " + level + " prime " + i + " coefficient " + j);
          }
        }
      }
    }
  }
}
