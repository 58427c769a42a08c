package dev.oml.bench.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Median and nearest-rank 95th percentile against hand-computed values. */
class StatsTest {
  @Test
  void knownAnswers() {
    assertEquals(new Stats(3, 2, 3, 1, 3, 2), Stats.of(3, 1, 2));
    assertEquals(new Stats(1, 7, 7, 7, 7, 7), Stats.of(7));
    // 1..20: the median is between 10 and 11; 95 % of 20 is 19 samples, so p95 is the 19th
    assertEquals(new Stats(20, 10.5, 19, 1, 20, 10.5), Stats.of(IntStream.rangeClosed(1, 20).asDoubleStream().toArray()));
    // 1..100: the 95th sample; two samples: the larger one
    assertEquals(95, Stats.of(IntStream.rangeClosed(1, 100).asDoubleStream().toArray()).p95());
    assertEquals(new Stats(2, 1.5, 2, 1, 2, 1.5), Stats.of(2, 1));
    assertEquals(new Stats(3, 1, 1.5, 0.5, 1.5, 1), Stats.of(3, 1, 2).dividedBy(2));
  }

  @Test
  void refusesNoSamplesAndNonFiniteOnes() {
    assertThrows(IllegalArgumentException.class, Stats::of);
    assertThrows(IllegalArgumentException.class, () -> Stats.of(1, Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Stats.of(Double.POSITIVE_INFINITY));
  }
}
