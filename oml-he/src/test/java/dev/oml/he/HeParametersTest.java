package dev.oml.he;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HeParametersTest {
  @Test
  void predefinedSetsRespectTheStandardBounds() {
    assertTrue(PredefinedParameters.BFV_N4096_BATCHING.totalModulusBits() <= 109);
    assertTrue(PredefinedParameters.BFV_N8192_BATCHING.totalModulusBits() <= 218);
    assertTrue(PredefinedParameters.CKKS_N8192.totalModulusBits() <= 218);
    assertTrue(PredefinedParameters.CKKS_N16384.totalModulusBits() <= 438);
    assertTrue(PredefinedParameters.bfvTwoParty(60, 40).totalModulusBits() <= 218);
    for (HeParameters p : new HeParameters[] {PredefinedParameters.BFV_N4096_BATCHING,
        PredefinedParameters.CKKS_N16384, PredefinedParameters.bfvTwoParty(37, 40)}) {
      assertFalse(p.isInsecure());
      assertFalse(p.name().contains("INSECURE"));
    }
  }

  @Test
  void oversizedModulusIsRefusedUnlessMarkedInsecure() {
    HeParameters.Builder b = HeParameters.builder(HeScheme.CKKS).polyModulusDegree(4096)
        .coeffModulusBits(60, 60).specialPrimeBits(60);
    InvalidParametersException e = assertThrows(InvalidParametersException.class, b::build);
    assertTrue(e.getMessage().contains("128-bit"));
    HeParameters insecure = b.insecureForTesting().build();
    assertTrue(insecure.isInsecure());
    assertTrue(insecure.name().contains("INSECURE"));
    assertEquals(1, insecure.minimumKappa());
  }

  @Test
  void inconsistentSettingsFailAtBuild() {
    assertThrows(InvalidParametersException.class,
        () -> HeParameters.builder(HeScheme.BFV).polyModulusDegree(3000).coeffModulusBits(50)
            .plainModulus(17).build());
    assertThrows(InvalidParametersException.class,
        () -> HeParameters.builder(HeScheme.BFV).polyModulusDegree(512).coeffModulusBits(50)
            .plainModulus(17).build());
    assertThrows(InvalidParametersException.class,
        () -> HeParameters.builder(HeScheme.BFV).polyModulusDegree(4096).build());
    // Not prime / not 1 mod 2N.
    assertThrows(InvalidParametersException.class,
        () -> HeParameters.builder(HeScheme.BFV).polyModulusDegree(4096)
            .coeffModulus((1L << 40) + 1).plainModulus(17).build());
    // Batching needs t = 1 mod 2N.
    assertThrows(InvalidParametersException.class,
        () -> HeParameters.builder(HeScheme.BFV).polyModulusDegree(4096).coeffModulusBits(50, 50)
            .plainModulus(257).encoding(BfvEncoding.BATCHING).build());
    assertThrows(InvalidParametersException.class,
        () -> HeParameters.builder(HeScheme.BFV).polyModulusDegree(4096).coeffModulusBits(50)
            .plainModulusPowerOfTwo(61).build());
    assertThrows(InvalidParametersException.class,
        () -> HeParameters.builder(HeScheme.CKKS).polyModulusDegree(4096).coeffModulusBits(50)
            .plainModulus(17).build());
    // Repeated explicit primes.
    long p = PredefinedParameters.CKKS_N8192.coeffModulus()[1];
    assertThrows(InvalidParametersException.class,
        () -> HeParameters.builder(HeScheme.CKKS).polyModulusDegree(8192).coeffModulus(p, p)
            .build());
  }

  @Test
  void parameterIdDependsOnEverythingArithmetic() {
    HeParameters a = PredefinedParameters.bfvTwoParty(37, 40);
    HeParameters b = PredefinedParameters.bfvTwoParty(37, 40);
    HeParameters c = PredefinedParameters.bfvTwoParty(38, 40);
    assertEquals(a.parameterId(), b.parameterId());
    assertEquals(a, b);
    assertNotEquals(a.parameterId(), c.parameterId());
    assertEquals(32, a.parameterId().length());
  }

  @Test
  void twoPartySetsSwitchAnswersDownToOnePrimeForModerateL() {
    assertEquals(0, FloodingBudget.forMatVec(PredefinedParameters.bfvTwoParty(37, 40), 2, 7, 40)
        .answerLevel());
    assertEquals(1, FloodingBudget.forMatVec(PredefinedParameters.bfvTwoParty(60, 40), 2, 7, 40)
        .answerLevel());
  }
}
