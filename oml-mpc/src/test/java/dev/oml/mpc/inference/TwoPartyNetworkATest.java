package dev.oml.mpc.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.data.Dataset;
import dev.oml.core.model.Model;
import java.security.SecureRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Exactness on the shipped Network A (l = 45, f = 12) at the standard 128-bit parameters: the
 * two-party output equals the fixed-point reference bit for bit (logits), and the label policy
 * gives the reference's label. A few images by default; every image of the subset when slow.
 */
class TwoPartyNetworkATest {
  @Test
  void logitsEqualTheFixedPointReferenceOnAFewImages() {
    Model model = Fixtures.networkA();
    Dataset data = Fixtures.subset();
    try (TwoPartyEvaluation ev = TwoPartyEvaluation.create(model, OutputPolicy.LOGITS,
        new SecureRandom())) {
      TwoPartyEvaluation.Summary s = ev.evaluate(data, 3, 3, i -> { });
      System.out.println("Network A, 3 images, bundle of 3: " + s);
      assertEquals(1.0, s.agreement());
    }
  }

  @Test
  void labelPolicyGivesTheReferenceLabel() {
    Model model = Fixtures.networkA();
    Dataset data = Fixtures.subset();
    try (TwoPartyEvaluation ev = TwoPartyEvaluation.create(model, OutputPolicy.LABEL,
        new SecureRandom())) {
      TwoPartyEvaluation.Summary s = ev.evaluate(data, 2, 1, i -> { });
      assertEquals(1.0, s.agreement());
    }
  }

  @Test
  @Tag("slow")
  void everyImageOfTheSubsetAgrees() {
    Model model = Fixtures.networkA();
    Dataset data = Fixtures.subset();
    try (TwoPartyEvaluation ev = TwoPartyEvaluation.create(model, OutputPolicy.LOGITS,
        new SecureRandom())) {
      TwoPartyEvaluation.Summary s = ev.evaluate(data, 0, 20, done -> {
        if (done % 100 == 0) {
          System.out.println(done + " images");
        }
      });
      System.out.println("Network A, full subset: " + s);
      assertEquals(data.size(), s.images());
      assertEquals(1.0, s.agreement());
      assertTrue(s.accuracy() > 0.8);
    }
  }
}
