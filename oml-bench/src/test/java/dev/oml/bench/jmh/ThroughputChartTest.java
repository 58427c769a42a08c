package dev.oml.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ThroughputChart} reads JMH's JSON results of {@link HeThroughputBenchmark} (other
 * benchmarks are ignored), turns milliseconds per image into images per second, draws one bar
 * per result on the log scale, and refuses files it cannot read with a typed error.
 */
class ThroughputChartTest {
  private static String result(String method, String backend, double score, String unit) {
    return "{\"benchmark\":\"dev.oml.bench.jmh.HeThroughputBenchmark." + method + "\","
        + "\"mode\":\"ss\",\"params\":{\"backend\":\"" + backend + "\"},"
        + "\"primaryMetric\":{\"score\":" + score + ",\"scoreUnit\":\"" + unit + "\"}}";
  }

  @Test
  void barsCarryImagesPerSecondOnTheLogScale() {
    String json = "[" + result("batchFullQuery", "seal", 4.0, "ms/op") + ","
        + result("plaintext", "java", 0.01, "ms/op") + ","
        + "{\"benchmark\":\"dev.oml.bench.jmh.NttBenchmark.forward\",\"primaryMetric\":"
        + "{\"score\":1,\"scoreUnit\":\"us/op\"}}]";
    List<ThroughputChart.Bar> bars = ThroughputChart.parse("after", json);
    assertEquals(2, bars.size(), "the other benchmark is ignored");
    assertEquals("batchFullQuery", bars.get(0).benchmark());
    assertEquals("seal", bars.get(0).backend());
    assertEquals(250.0, bars.get(0).imagesPerSecond(), 1e-9);
    assertEquals(100_000.0, bars.get(1).imagesPerSecond(), 1e-6);
    String svg = ThroughputChart.svg(bars);
    assertTrue(svg.startsWith("<svg"), svg);
    assertTrue(svg.contains(">250 images/s (4.00 ms per image)</text>"), svg);
    // the plot spans 10^-1 .. 10^5 over 560 px: 250 images/s is (log10(250) + 1) / 6 of it
    double want = 560 * (Math.log10(250) + 1) / 6;
    assertTrue(svg.contains(String.format(java.util.Locale.ROOT, "width=\"%.1f\" height=\"18\"",
        want)), svg);
    assertTrue(svg.contains("width=\"560.0\" height=\"18\""), "10^5 fills the plot");
  }

  @Test
  void aTextLogGivesTheMeanOfTheMeasuredShots() {
    String log = "# Benchmark: dev.oml.bench.jmh.HeThroughputBenchmark.batchFullQuery\n"
        + "# Parameters: (backend = java)\n# Warmup Iteration   1: 99.0 ms/op\n"
        + "Iteration   1: 35.179 ms/op\nIteration   2: 37.763 ms/op\n"
        + "# Benchmark: dev.oml.bench.jmh.HeThroughputBenchmark.batchFullQuery\n"
        + "# Parameters: (backend = seal)\n# Warmup Iteration   1: \nsetup output\n"
        + "29.275 ms/op\nIteration   1: 30.163 ms/op\nIteration   2: stopped\n"
        + "# Benchmark: dev.oml.bench.jmh.HeThroughputBenchmark.plaintext\n"
        + "# Parameters: (backend = seal)\nIteration   1: \nsetup output\n0.125 ms/op\n";
    List<ThroughputChart.Bar> bars = ThroughputChart.parseLog("before", log);
    assertEquals(3, bars.size());
    assertEquals("java", bars.get(0).backend());
    assertEquals((35.179 + 37.763) / 2, bars.get(0).msPerImage(), 1e-12);
    // the warm-up and the stopped second shot are not measured
    assertEquals("seal", bars.get(1).backend());
    assertEquals(30.163, bars.get(1).msPerImage(), 1e-12);
    assertEquals("plaintext", bars.get(2).benchmark());
    assertEquals("seal", bars.get(2).backend());
    assertEquals(8000.0, bars.get(2).imagesPerSecond(), 1e-9);
    assertThrows(ThroughputChart.BadResultsException.class,
        () -> ThroughputChart.parseLog("x", "nothing measured"));
    assertThrows(ThroughputChart.BadResultsException.class, () -> ThroughputChart.parseLog("x",
        "# Benchmark: dev.oml.bench.jmh.HeThroughputBenchmark.plaintext\nIteration   1: 3 s/op"));
  }

  @Test
  void filesItCannotReadAreRefused() {
    assertThrows(ThroughputChart.BadResultsException.class,
        () -> ThroughputChart.parse("x", "not json"));
    assertThrows(ThroughputChart.BadResultsException.class,
        () -> ThroughputChart.parse("x", "{}"));
    assertThrows(ThroughputChart.BadResultsException.class,
        () -> ThroughputChart.parse("x", "[]"));
    assertThrows(ThroughputChart.BadResultsException.class,
        () -> ThroughputChart.parse("x", "[" + result("plaintext", "java", 0.0, "ms/op") + "]"));
    assertThrows(ThroughputChart.BadResultsException.class,
        () -> ThroughputChart.parse("x", "[" + result("plaintext", "java", 1.0, "s/op") + "]"));
    List<ThroughputChart.Bar> none = new ArrayList<>();
    assertTrue(ThroughputChart.svg(none).endsWith("</svg>\n"));
  }
}
