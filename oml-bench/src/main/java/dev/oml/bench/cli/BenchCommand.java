package dev.oml.bench.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code oml bench}: runs the JMH suite (or the benchmarks matching a regular expression) with
 * settings suited to a small shared machine, one fork, and writes JMH's JSON.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Run the JMH benchmarks (all, or those matching REGEX) and write JMH's JSON.")
final class BenchCommand implements Callable<Integer> {
  @Parameters(arity = "0..1", paramLabel = "REGEX", description = "benchmarks to run (default: all)")
  String include;

  @Option(names = "--out", defaultValue = "jmh-result.json", description = "JSON result file (default ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--warmup", defaultValue = "3", description = "warm-up iterations of 1 s")
  int warmup;

  @Option(names = "--iterations", defaultValue = "5", description = "measured iterations of 1 s")
  int iterations;

  @Option(names = "--backend", split = ",", paramLabel = "NAME",
      description = "HE backends for the HE benchmarks, e.g. java,seal (default: java; seal needs "
          + "libomlseal, found through OML_SEAL_LIBRARY)")
  java.util.List<String> backends;

  @Override
  public Integer call() throws RunnerException {
    ChainedOptionsBuilder opts = new OptionsBuilder()
        .include(include == null ? "dev\\.oml\\.bench\\.jmh\\..*" : include)
        .forks(1)
        .warmupIterations(warmup)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(iterations)
        .measurementTime(TimeValue.seconds(1))
        .threads(1)
        .jvmArgsAppend("-Doml.home=" + Console.home(), "-Xmx4g")
        .resultFormat(ResultFormatType.JSON)
        .result(out.toString());
    if (backends != null && !backends.isEmpty()) {
      opts.param("backend", backends.toArray(new String[0]));
    }
    new Runner(opts.build()).run();
    System.out.println("results written to " + out);
    return 0;
  }
}
