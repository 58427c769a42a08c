package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code oml bench}: the list without running, the defaults in {@code --help}, and one short
 * in-process run whose CSV holds the benchmark's rows and the rows of the profiler passed
 * through to JMH.
 */
class BenchCommandTest {
  @TempDir Path dir;

  @Test
  void listsTheMatchingBenchmarksWithoutRunningThem() {
    CliRun r = CliRun.of("bench", "--list", "PlaintextInferenceBenchmark", "--out", dir.resolve("x.json").toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(List.of("dev.oml.bench.jmh.PlaintextInferenceBenchmark.fixedPointInference",
        "dev.oml.bench.jmh.PlaintextInferenceBenchmark.floatInference"), r.out().strip().lines().toList());
    assertFalse(Files.exists(dir.resolve("x.json")));
    CliRun all = CliRun.of("bench", "--list");
    assertTrue(all.out().lines().count() > 10, all.out());
    assertTrue(all.out().lines().allMatch(l -> l.startsWith("dev.oml.bench.jmh.")), all.out());
  }

  @Test
  void helpShowsTheDefaults() {
    CliRun r = CliRun.of("bench", "--help");
    assertEquals(0, r.code());
    for (String s : new String[] {"--warmup=<warmup>", "Default: 3", "Default: 5", "Default: json", "--forks",
        "--prof", "--list"}) {
      assertTrue(r.out().contains(s), s + " missing in " + r.out());
    }
  }

  @Test
  void writesCsvAndPassesForksAndProfilersToJmh() throws Exception {
    Path csv = dir.resolve("plain.csv");
    // JMH keeps one run per machine through /tmp/jmh.lock; this functional run measures nothing
    // and must not fail because a real benchmark runs elsewhere on the machine.
    System.setProperty("jmh.ignoreLock", "true");
    CliRun r = CliRun.of("bench", "PlaintextInferenceBenchmark.floatInference", "--forks", "0", "--warmup", "0",
        "--iterations", "1", "--prof", "gc", "--format", "csv", "--out", csv.toString());
    assertEquals(0, r.code(), r.err());
    List<String> rows = Files.readAllLines(csv);
    assertTrue(rows.get(0).startsWith("\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\""), rows.get(0));
    // One row per model, and the gc profiler's rows beside them.
    for (String model : new String[] {"network-a", "he-network"}) {
      assertTrue(rows.stream().anyMatch(l -> l.startsWith("\"dev.oml.bench.jmh.PlaintextInferenceBenchmark"
          + ".floatInference\"") && l.endsWith("," + model)), model + ": " + rows);
    }
    assertTrue(rows.stream().anyMatch(l -> l.contains("floatInference:gc.alloc.rate\"")), rows.toString());
  }

  @Test
  void passesParametersToJmhAndRefusesMalformedOnes() throws Exception {
    Path csv = dir.resolve("one-model.csv");
    System.setProperty("jmh.ignoreLock", "true");
    CliRun r = CliRun.of("bench", "PlaintextInferenceBenchmark.floatInference", "--forks", "0", "--warmup", "0",
        "--iterations", "1", "--param", "model=he-network", "--format", "csv", "--out", csv.toString());
    assertEquals(0, r.code(), r.err());
    List<String> rows = Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size());
    assertEquals(1, rows.size(), rows.toString());
    assertTrue(rows.get(0).endsWith(",he-network"), rows.toString());
    for (String bad : new String[] {"model", "=x", "model="}) {
      CliRun b = CliRun.of("bench", "PlaintextInferenceBenchmark", "--param", bad, "--out",
          dir.resolve("bad.csv").toString());
      assertEquals(2, b.code(), b.err());
      assertTrue(b.err().contains("expected NAME=VALUE"), b.err());
      assertFalse(Files.exists(dir.resolve("bad.csv")));
    }
  }

  @Test
  void heapAndIterationTimeReachTheForkedJvmAndJmh() {
    BenchCommand c = new BenchCommand();
    new picocli.CommandLine(c).parseArgs("--heap", "8g", "--time", "30", "--warmup", "1", "--iterations", "2");
    org.openjdk.jmh.runner.options.Options o = c.jmhOptions("X", "/h", dir.resolve("r.json")).build();
    assertEquals(List.of("-Doml.home=/h", "-Xmx8g"), List.copyOf(o.getJvmArgsAppend().get()));
    assertEquals(org.openjdk.jmh.runner.options.TimeValue.seconds(30), o.getMeasurementTime().get());
    assertEquals(org.openjdk.jmh.runner.options.TimeValue.seconds(30), o.getWarmupTime().get());
    assertEquals(2, o.getMeasurementIterations().get());
    BenchCommand d = new BenchCommand();
    new picocli.CommandLine(d).parseArgs();
    org.openjdk.jmh.runner.options.Options od = d.jmhOptions("X", "/h", dir.resolve("r.json")).build();
    assertEquals(List.of("-Doml.home=/h", "-Xmx4g"), List.copyOf(od.getJvmArgsAppend().get()));
    assertEquals(org.openjdk.jmh.runner.options.TimeValue.seconds(1), od.getMeasurementTime().get());
    for (String[] bad : new String[][] {{"--heap", "8"}, {"--heap", "0g"}, {"--heap", "-Xmx8g"},
        {"--time", "0"}, {"--time", "601"}}) {
      CliRun b = CliRun.of("bench", "PlaintextInferenceBenchmark", bad[0], bad[1], "--out",
          dir.resolve("bad.json").toString());
      assertEquals(2, b.code(), String.join(" ", bad) + ": " + b.err());
      assertEquals(1, b.err().strip().lines().count(), b.err());
      assertFalse(Files.exists(dir.resolve("bad.json")));
    }
  }
}
