package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.HeBackends;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Utility at 128-bit parameters with flooding: the HE labels equal the float model's on at
 * least 99.5 % of the shipped 1,000-image subset. Slow (minutes): run with {@code -Pslow}.
 */
@Tag("slow")
class HeSubsetAgreementTest {
  @Test
  void heLabelsAgreeWithTheFloatModelOnTheSubset() {
    HeAgreementRun.Result r = HeAgreementRun.run(HeFixture.subset(), Integer.MAX_VALUE, 6, 4,
        HeBackends.pureJava(), true);
    assertTrue(r.agreement() >= 0.995, "agreement " + r.agreement());
  }
}
