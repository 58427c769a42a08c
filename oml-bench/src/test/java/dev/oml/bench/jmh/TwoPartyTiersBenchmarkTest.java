package dev.oml.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.reference.FloatInference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Every step of {@link TwoPartyTiersBenchmark} run once by hand, as JMH would call them, on a
 * small 8-6-3 MLP (both tiers at their standard parameters, bundles of 2), so the benchmark
 * cannot rot: the offline bundle is counted and checked by one query, three online queries cross
 * a bundle boundary and each answer is checked against its tier's reference, and a wrong answer
 * fails the invocation's check. Plaintext runs once on Network A.
 */
class TwoPartyTiersBenchmarkTest {
  private static final IterationParams MEASURED =
      new IterationParams(IterationType.MEASUREMENT, 1, TimeValue.seconds(1), 1);

  private static Model small() {
    Random r = new Random(7);
    Model m = Model.of("tiers-mlp", Shape.vector(8), List.of(
        new Dense(8, 6, gaussian(r, 48, 0.5), gaussian(r, 6, 0.1)),
        new ReLU(),
        new Dense(6, 3, gaussian(r, 18, 0.5), gaussian(r, 3, 0.1))),
        FixedPointFormat.of(60, 12), 5);
    return m.withFormat(FixedPointFormat.of(Math.max(40, m.requiredRingBits(12)), 12));
  }

  private static double[] gaussian(Random r, int n, double std) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextGaussian() * std;
    }
    return v;
  }

  private static double[][] inputs() {
    Random r = new Random(11);
    double[][] x = new double[3][];
    for (int i = 0; i < x.length; i++) {
      x[i] = gaussian(r, 8, 1.0);
    }
    return x;
  }

  @ParameterizedTest
  @ValueSource(strings = {"tier1", "tier2"})
  void offlineAndOnlineStepsRunAndCheckTheirAnswers(String tier) {
    TwoPartyTiersBenchmark bench = new TwoPartyTiersBenchmark();
    TwoPartyTiersBenchmark.Offline off = new TwoPartyTiersBenchmark.Offline();
    off.tier = tier;
    off.bundle = 2;
    off.output = "LOGITS";
    off.setup(small(), inputs());
    off.iteration(MEASURED);
    off.open();
    assertNotNull(bench.offline(off));
    off.check();
    TwoPartyTiersBenchmark.Counts c = off.counts;
    assertEquals(2, c.queries);
    assertTrue(c.bytesToOwner > 0 && c.bytesToLicensee > 0 && c.ownerCpuNanos > 0
        && c.licenseeCpuNanos > 0, c.line(tier,
        "offline", 2));
    assertTrue(c.line(tier, "offline", 2).contains("per query over 2 measured queries"));
    off.report();

    TwoPartyTiersBenchmark.Online on = new TwoPartyTiersBenchmark.Online();
    on.tier = tier;
    on.bundle = 2;
    on.output = "LOGITS";
    on.setup(small(), inputs());
    on.iteration(MEASURED);
    try {
      for (int i = 0; i < 3; i++) {
        on.ready();
        bench.online(on);
        on.check();
      }
      assertEquals(3, on.counts.queries);
      assertTrue(on.counts.bytesToOwner > 0 && on.counts.ownerCpuNanos > 0);
      // The second bundle's second query: an answer for another image fails the check.
      on.ready();
      bench.online(on);
      double[] asked = on.image;
      double[] other = Arrays.stream(on.images).filter(x -> x != asked).findFirst().orElseThrow();
      assertFalse(Arrays.equals(on.run.expected(asked).logits(), on.run.expected(other).logits()));
      on.image = other;
      assertThrows(TierRun.WrongAnswerException.class, on::check);
    } finally {
      on.report();
    }
  }

  @Test
  void plaintextRunsOnNetworkA() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("models"))) {
      p = p.getParent();
    }
    assertNotNull(p, "no models/ directory above the working directory");
    String before = System.getProperty("oml.home");
    System.setProperty("oml.home", p.toString());
    try {
      TwoPartyTiersBenchmark.Plaintext s = new TwoPartyTiersBenchmark.Plaintext();
      s.setup();
      double[] logits = new TwoPartyTiersBenchmark().plaintext(s);
      assertEquals(10, logits.length);
      // The first call runs the second image of the subset (the cycle starts after image 0).
      assertArrayEquals(new FloatInference(TwoPartyTiersBenchmark.networkA())
          .logits(TwoPartyTiersBenchmark.images(2)[1]), logits);
    } finally {
      if (before == null) {
        System.clearProperty("oml.home");
      } else {
        System.setProperty("oml.home", before);
      }
    }
  }
}
