package dev.oml.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.testkit.TestModels;
import org.junit.jupiter.api.Test;

class InputBoxTest {
  @Test
  void containsExactlyThePointsWithinEveryInterval() {
    InputBox b = InputBox.of(new double[] {0, -1}, new double[] {1, 1});
    assertTrue(b.contains(new double[] {0, -1}));
    assertTrue(b.contains(new double[] {1, 1}));
    assertEquals(0, b.firstViolation(new double[] {1.0000001, 0}));
    assertEquals(1, b.firstViolation(new double[] {0.5, -1.5}));
    assertEquals(1, b.firstViolation(new double[] {0.5, Double.NaN}), "NaN is outside");
    assertEquals(1, b.firstViolation(new double[] {0.5}), "a shorter vector is outside");
    assertEquals(2, b.firstViolation(new double[] {0.5, 0, 0}), "a longer vector is outside");
    assertFalse(b.isUniform());
    assertTrue(InputBox.uniform(3, 0, 1).isUniform());
  }

  @Test
  void refusesEmptyOrInvertedOrNonFiniteIntervals() {
    assertThrows(ModelValidationException.class,
        () -> InputBox.of(new double[] {1}, new double[] {0}));
    assertThrows(ModelValidationException.class,
        () -> InputBox.of(new double[] {0}, new double[] {Double.POSITIVE_INFINITY}));
    assertThrows(ModelValidationException.class,
        () -> InputBox.of(new double[] {0, 0}, new double[] {1}));
    assertThrows(ModelValidationException.class, () -> InputBox.uniform(0, 0, 1));
  }

  @Test
  void aModelRefusesABoxOfAnotherSize() {
    Model m = TestModels.mlp(1, 4, 3, 2);
    ModelValidationException e = assertThrows(ModelValidationException.class,
        () -> m.withInputBox(InputBox.uniform(5, 0, 1)));
    assertTrue(e.getMessage().contains("5 features"), e.getMessage());
    assertEquals(InputBox.uniform(4, 0, 1), m.withInputBox(InputBox.uniform(4, 0, 1))
        .inputBox().orElseThrow());
  }
}
