package dev.oml.he;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
