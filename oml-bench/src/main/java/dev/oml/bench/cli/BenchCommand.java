package dev.oml.bench.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.concurrent.Callable;
import org.openjdk.jmh.profile.ProfilerException;
import org.openjdk.jmh.profile.ProfilerFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.ProfilerConfig;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code oml bench}: runs the JMH suite (or the benchmarks matching a regular expression) with
 * settings suited to a small shared machine, and writes JMH's results as JSON or CSV. Lists the
 * benchmarks with {@code --list}; passes forks and profilers through to JMH. Every option is
 * checked (the expression, the profilers, the counts) before JMH starts.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = "Run the JMH benchmarks (all, or those matching REGEX) and write JMH's results"
        + " (JSON or CSV), or list them.")
final class BenchCommand implements Callable<Integer> {
  /** The package every benchmark of OML lives in. */
  static final String ALL = "dev\\.oml\\.bench\\.jmh\\..*";

  @Spec CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "REGEX", description = "benchmarks to run, a regular expression"
      + " found in the benchmark's full name (default: all)")
  String include;

  @Option(names = "--list", description = "list the matching benchmarks and exit, running nothing")
  boolean list;

  @Option(names = "--out", description = "result file (default: jmh-result.json, or .csv with --format csv)")
  Path out;

  @Option(names = "--format", defaultValue = "json", description = "result format: json or csv")
  String format;

  @Option(names = "--warmup", defaultValue = "3", description = "warm-up iterations of --time seconds, 0 to 100")
  int warmup;

  @Option(names = "--iterations", defaultValue = "5", description = "measured iterations of --time seconds, 1 to 1000")
  int iterations;

  @Option(names = "--time", defaultValue = "1", paramLabel = "SECONDS", description = "length of each"
      + " iteration, 1 to 600 seconds (single-shot benchmarks run one invocation whatever it is)")
  int time;

  @Option(names = "--heap", defaultValue = "4g", paramLabel = "SIZE", description = "maximum heap of each"
      + " forked JVM (-Xmx), e.g. 8g for the HE batch benchmark's 607 MB queries")
  String heap;

  @Option(names = "--forks", defaultValue = "1", description = "JVM forks per benchmark, 0 to 20 (0 runs"
      + " in this JVM: quicker, less isolated)")
  int forks;

  @Option(names = "--prof", paramLabel = "NAME[:OPTIONS]", description = "a JMH profiler, repeatable,"
      + " e.g. gc or stack:lines=5 (JMH's -prof; see JMH for the list)")
  List<String> profilers = new ArrayList<>();

  @Option(names = "--backend", split = ",", paramLabel = "NAME",
      description = "HE backends for the HE benchmarks, e.g. java,seal (default: java; seal needs "
          + "libomlseal, found through OML_SEAL_LIBRARY)")
  List<String> backends;

  @Option(names = "--param", paramLabel = "NAME=V1[,V2...]", description = "a benchmark parameter,"
      + " repeatable, e.g. bundle=4 for a quick TwoPartyTiers run (JMH's -p; overrides --backend for"
      + " backend)")
  List<String> params = new ArrayList<>();

  @Override
  public Integer call() {
    String regex = include == null ? ALL : include;
    Check.regex(spec, "REGEX", regex);
    Check.oneOf(spec, "--format", format, "json", "csv");
    Check.range(spec, "--warmup", warmup, 0, 100);
    Check.range(spec, "--iterations", iterations, 1, 1000);
    Check.range(spec, "--forks", forks, 0, 20);
    Check.range(spec, "--time", time, 1, 600);
    if (!heap.matches("[1-9][0-9]{0,5}[mMgG]")) {
      throw Check.usage(spec, "--heap " + heap + ": expected a size such as 512m or 8g");
    }
    List<ProfilerConfig> profs = new ArrayList<>();
    for (String p : profilers) {
      profs.add(profiler(p));
    }
    if (backends != null) {
      for (String b : backends) {
        Check.oneOf(spec, "--backend", b, "java", "seal");
      }
    }
    SortedSet<BenchmarkListEntry> matching = BenchmarkList.defaultList().find(
        OutputFormatFactory.createFormatInstance(quiet(), VerboseMode.SILENT), List.of(regex), List.of());
    if (matching.isEmpty()) {
      throw Check.usage(spec, "no benchmark matches '" + regex + "' (see: oml bench --list)");
    }
    if (list) {
      matching.stream().map(BenchmarkListEntry::getUsername).distinct().forEach(System.out::println);
      return 0;
    }
    Path file = out != null ? out : Path.of("jmh-result." + format);
    String home = Console.home().toString();
    if (forks == 0 && System.getProperty("oml.home") == null) {
      // In this JVM the benchmarks read models/ and data/ through the property a fork is given.
      System.setProperty("oml.home", home);
    }
    ChainedOptionsBuilder opts = jmhOptions(regex, home, file);
    for (ProfilerConfig p : profs) {
      opts.addProfiler(p.getKlass(), p.getOpts());
    }
    if (backends != null && !backends.isEmpty()) {
      opts.param("backend", backends.toArray(new String[0]));
    }
    for (String p : params) {
      int eq = p.indexOf('=');
      if (eq < 1 || eq == p.length() - 1) {
        throw Check.usage(spec, "--param " + p + ": expected NAME=VALUE[,VALUE...]");
      }
      opts.param(p.substring(0, eq), p.substring(eq + 1).split(","));
    }
    try {
      new Runner(opts.build()).run();
    } catch (RunnerException e) {
      // JMH's refusals (its lock held by another run, a benchmark that threw) are about this
      // machine or a benchmark, and JMH's message says which.
      throw new dev.oml.core.OmlException("JMH: " + (e.getMessage() == null ? "the run failed" : e.getMessage()
          .replaceFirst("^ERROR: ", "")), e);
    }
    System.out.println("results written to " + file);
    return 0;
  }

  /** The run's settings as JMH options, before profilers and parameters. */
  ChainedOptionsBuilder jmhOptions(String regex, String home, Path file) {
    return new OptionsBuilder()
        .include(regex)
        .forks(forks)
        .warmupIterations(warmup)
        .warmupTime(TimeValue.seconds(time))
        .measurementIterations(iterations)
        .measurementTime(TimeValue.seconds(time))
        .threads(1)
        .jvmArgsAppend("-Doml.home=" + home, "-Xmx" + heap)
        .resultFormat(format.equals("csv") ? ResultFormatType.CSV : ResultFormatType.JSON)
        .result(file.toString());
  }

  /** {@code NAME[:OPTIONS]}, checked by JMH's own factory: an unknown or unusable profiler is a usage error. */
  private ProfilerConfig profiler(String spec0) {
    int colon = spec0.indexOf(':');
    ProfilerConfig c = colon < 0 ? new ProfilerConfig(spec0, "")
        : new ProfilerConfig(spec0.substring(0, colon), spec0.substring(colon + 1));
    try {
      ProfilerFactory.getProfilerOrException(c);
    } catch (ProfilerException e) {
      String msg = e.getMessage() == null ? "" : e.getMessage();
      if (msg.contains("ClassNotFoundException")) {
        throw Check.usage(spec, "--prof " + spec0 + ": JMH has no such profiler (JMH's own include gc, "
            + "stack, cl, comp, perf, perfasm; java -jar jmh.jar -lprof lists them)");
      }
      // JMH's reason (perf not installed, a bad option), without the exception names it carries.
      String why = msg.lines().findFirst().orElse("").replaceAll("[\\w.$]+(Exception|Error): ", "").strip();
      throw Check.usage(spec, "--prof " + spec0 + " cannot be used" + (why.isEmpty() ? "" : ": " + why));
    }
    return c;
  }

  private static PrintStream quiet() {
    return new PrintStream(java.io.OutputStream.nullOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8);
  }
}
