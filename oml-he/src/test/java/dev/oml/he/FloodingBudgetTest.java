package dev.oml.he;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.conformance.TestParameters;
import java.math.BigInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class FloodingBudgetTest {
  @Property(tries = 100)
  void floodIsTheSmallestPowerOfTwoAboveTheBound(@ForAll @IntRange(min = 40, max = 60) int kappa,
      @ForAll @IntRange(min = 1, max = 4) int inputs, @ForAll @IntRange(min = 1, max = 8) int outputs) {
    HeParameters p = PredefinedParameters.bfvTwoParty(30, 40);
    FloodingBudget b = FloodingBudget.forMatVec(p, inputs, outputs, kappa);
    BigInteger need = BigInteger.ONE.shiftLeft(kappa).multiply(BigInteger.valueOf(b.coefficientCount()))
        .multiply(b.evalBound());
    assertTrue(b.floodBound().compareTo(need) >= 0);
    assertTrue(b.floodBound().shiftRight(1).compareTo(need) < 0);
    assertEquals((long) outputs * p.polyModulusDegree(), b.coefficientCount());
    // Correctness inequality at the top level: 2 t (B_eval + B_flood + B_fresh) < Q.
    BigInteger total = b.evalBound().add(b.floodBound()).add(b.freshBound());
    assertTrue(total.multiply(BigInteger.valueOf(2 * p.plainModulus()))
        .compareTo(p.modulusAtLevel(p.maxLevel())) < 0);
  }

  @Property(tries = 20)
  void refusesWhenTheInequalityFails(@ForAll @IntRange(min = 120, max = 250) int kappa) {
    HeParameters p = PredefinedParameters.bfvTwoParty(37, 40);
    NoiseBudgetException e = assertThrows(NoiseBudgetException.class,
        () -> FloodingBudget.forMatVec(p, 2, 7, kappa));
    assertTrue(e.getMessage().contains("Delta/2"));
  }

  @Property(tries = 1)
  void smallKappaOnlyForInsecureSets() {
    assertThrows(NoiseBudgetException.class,
        () -> FloodingBudget.forMatVec(PredefinedParameters.bfvTwoParty(20, 40), 1, 1, 20));
    assertEquals(6, FloodingBudget.forMatVec(TestParameters.INSECURE_BFV_TINY, 1, 1, 6).kappa());
    assertThrows(IncompatibleOperandsException.class,
        () -> FloodingBudget.forMatVec(PredefinedParameters.CKKS_N8192, 1, 1, 40));
  }

  /**
   * The matrix-vector budget of a shape is kept after its first use: the same object comes
   * back, and for every shape it still has the flood the bound asks for (recomputed here from
   * the formula: {@code B_eval = inputs * N * ceil(t/2) * 22}, {@code M = rows}), so shapes that
   * differ only in rows or input blocks, and levels, are told apart.
   */
  @Property(tries = 1)
  void matVecBudgetsAreKeptPerShapeAndLevel() {
    HeParameters p = PredefinedParameters.bfvPrimeField(40);
    int[][] shapes = {{128, 784}, {128, 128}, {10, 128}, {128, 61}};
    for (int round = 0; round < 2; round++) {
      for (int[] sh : shapes) {
        MatVecLayout l = MatVecLayout.ofEncryptedMatrix(sh[0], sh[1], p);
        int level = FloodingBudget.compactLevel(p, l, 40);
        assertTrue(level >= 0, "Network A's shapes have a compact answer");
        assertEquals(level, FloodingBudget.compactLevel(p, l, 40));
        for (int lv = level; lv <= p.maxLevel(); lv++) {
          FloodingBudget b = FloodingBudget.forMatVec(p, l, 40, lv);
          assertSame(b, FloodingBudget.forMatVec(p, l, 40, lv));
          BigInteger bEval = BigInteger.valueOf(l.inputCount())
              .multiply(BigInteger.valueOf(p.polyModulusDegree()))
              .multiply(BigInteger.valueOf((p.plainModulus() + 1) / 2))
              .multiply(BigInteger.valueOf(FloodingBudget.FRESH_NOISE_BOUND + 1));
          assertEquals(bEval, b.evalBound());
          assertEquals(l.rows(), b.coefficientCount());
          BigInteger need = bEval.multiply(BigInteger.valueOf(l.rows())).shiftLeft(40);
          assertTrue(b.floodBound().compareTo(need) >= 0);
          assertTrue(b.floodBound().shiftRight(1).compareTo(need) < 0);
        }
      }
    }
  }
}
