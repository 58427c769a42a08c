package dev.oml.mpc.inference;

import dev.oml.core.data.Dataset;
import dev.oml.core.model.Model;
import java.security.SecureRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Per-query figures of Network A over the in-memory channel, printed (not asserted): offline and
 * online milliseconds, bytes and flights, for bundles of 1 and of 10 queries, after a warm-up
 * bundle. Run: {@code mvn -B -o -pl oml-core,oml-he,oml-mpc test -Dtest=TwoPartyFigures
 * -Dgroups=slow -Dsurefire.failIfNoSpecifiedTests=false -Pslow}.
 */
@Tag("slow")
class TwoPartyFigures {
  @Test
  void networkA() {
    Model model = Fixtures.networkA();
    Dataset data = Fixtures.subset();
    for (OutputPolicy policy : OutputPolicy.values()) {
      try (TwoPartyEvaluation ev = TwoPartyEvaluation.create(model, policy, new SecureRandom())) {
        ev.evaluate(data, 4, 2, i -> { }); // warm-up
        for (int bundle : new int[] {1, 10}) {
          TwoPartyEvaluation.Summary s = ev.evaluate(data, 20, bundle, i -> { });
          System.out.printf("FIGURES policy=%s bundle=%d images=%d agreement=%.3f accuracy=%.3f"
              + " offline_ms=%.1f online_ms=%.2f offline_bytes=%.0f online_bytes=%.0f"
              + " offline_flights_per_bundle=%.0f online_flights=%.1f%n", policy, bundle,
              s.images(), s.agreement(), s.accuracy(), s.offlineMs(), s.onlineMs(),
              s.offlineBytes(), s.onlineBytes(), s.offlineRounds(), s.onlineRounds());
        }
      }
    }
  }

  /**
   * Agreement and accuracy on the full Fashion-MNIST test set (10,000 images, from the system
   * package), bundles of 20; skipped when the package is not installed. About 45 minutes here.
   */
  @Test
  void networkAOnTheFullTestSet() {
    org.junit.jupiter.api.Assumptions.assumeTrue(dev.oml.core.data.FashionMnist.systemInstalled(),
        "Fashion-MNIST is not installed system-wide");
    Model model = Fixtures.networkA();
    Dataset data = dev.oml.core.data.FashionMnist.test(dev.oml.core.data.FashionMnist.SYSTEM_DIR);
    long t0 = System.nanoTime();
    try (TwoPartyEvaluation ev = TwoPartyEvaluation.create(model, OutputPolicy.LOGITS,
        new SecureRandom())) {
      TwoPartyEvaluation.Summary s = ev.evaluate(data, 0, 20, done -> {
        if (done % 1000 == 0) {
          System.out.println("FULLSET progress " + done);
        }
      });
      System.out.printf("FULLSET images=%d agreement=%.4f accuracy=%.4f offline_ms=%.1f"
          + " online_ms=%.2f offline_bytes=%.0f online_bytes=%.0f online_flights=%.1f"
          + " wall_s=%.0f%n", s.images(), s.agreement(), s.accuracy(), s.offlineMs(),
          s.onlineMs(), s.offlineBytes(), s.onlineBytes(), s.onlineRounds(),
          (System.nanoTime() - t0) / 1e9);
    }
  }
}
