package dev.oml.bench.jmh;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.reference.FloatInference;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.internal.Parallel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The two-party protocols side by side on Network A, with plaintext float64 inference of the
 * same model in the same run: tier 1 ({@code dev.oml.mpc.inference}, ring shares, no defence
 * against a licensee who modifies its client) and tier 2 ({@code dev.oml.mpc.tier2}, the served
 * protocol: field shares with MACs, VOLE, the offline HE step at {@code OfflineHe.standard()},
 * garbled circuits over {@code F_p}). Both parties run in this JVM over an in-memory channel pair,
 * the owner on its own thread. {@code offline} times the offline phase of a bundle of
 * {@code bundle} queries (permission issued, verified and spent; single shot, milliseconds per
 * bundle: divide by {@code bundle}); {@code online} times one online query of a prepared bundle
 * (average time; bundles are prepared outside the clock when one runs out); {@code plaintext}
 * times float64 inference of one image.
 *
 * <p>Bytes in each direction and the owner's and the licensee's thread CPU time
 * ({@code ThreadMXBean}) are not JMH metrics: the benchmark counts them itself over the measured
 * iterations only and prints them per query at the end of each trial, in lines starting with
 * {@code tiers:}. Every invocation is
 * checked: each online answer, and one query of each bundle the offline benchmark prepared,
 * must equal the reference of its tier (the label of the fixed-point reference with the default
 * {@code output=LABEL}, what Network A's argmax reveals and all tier 1 serves for it; the logits
 * bit for bit with {@code output=LOGITS}, which only tier 2 serves for a model ending with
 * argmax), else the trial fails.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class TwoPartyTiersBenchmark {
  /** Images of the shipped subset the queries cycle through. */
  static final int IMAGES = 20;

  static Path home() {
    return Path.of(System.getProperty("oml.home", "."));
  }

  static Model networkA() {
    return ModelFiles.load(home().resolve("models/network-a.omlm"));
  }

  static double[][] images(int n) {
    Dataset d = FashionMnist.test(home().resolve("data/fashion-mnist-subset"));
    double[][] out = new double[Math.min(n, d.size())][];
    for (int i = 0; i < out.length; i++) {
      out[i] = d.image(i);
    }
    return out;
  }

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /**
   * Figures the benchmark counts itself, summed over the measured invocations. The licensee's
   * CPU time is this (the benchmark's) thread's, with what it handed to a helper thread
   * ({@code Parallel}); next to the owner's it shows how much of the wall time was computing and
   * how much was waiting for a core of the shared machine.
   */
  static final class Counts {
    long queries;
    long nanos;
    long bytesToOwner;
    long bytesToLicensee;
    long ownerCpuNanos;
    long licenseeCpuNanos;
    private long t0;
    private long u0;
    private long b0;
    private long r0;
    private long c0;

    void start(TierRun run) {
      b0 = run.bytesToOwner();
      r0 = run.bytesToLicensee();
      c0 = run.ownerCpuNanos();
      u0 = THREADS.getCurrentThreadCpuTime() + Parallel.helperCpuNanos();
      t0 = System.nanoTime();
    }

    void stop(TierRun run, int queriesDone) {
      nanos += System.nanoTime() - t0;
      licenseeCpuNanos += THREADS.getCurrentThreadCpuTime() + Parallel.helperCpuNanos() - u0;
      bytesToOwner += run.bytesToOwner() - b0;
      bytesToLicensee += run.bytesToLicensee() - r0;
      ownerCpuNanos += run.ownerCpuNanos() - c0;
      queries += queriesDone;
    }

    /** One line per phase, per query, labelled as the benchmark's own count. */
    String line(String tier, String phase, int bundle) {
      if (queries == 0) {
        return String.format(Locale.ROOT, "tiers: %s %s (bundle %d): no measured query", tier,
            phase, bundle);
      }
      double q = queries;
      return String.format(Locale.ROOT, "tiers: %s %s (bundle %d), per query over %d measured"
          + " queries: wall %.1f ms (System.nanoTime, setup excluded), licensee->owner %.3f MB,"
          + " owner->licensee %.3f MB, total %.3f MB, owner thread CPU %.1f ms, licensee thread"
          + " CPU %.1f ms", tier, phase, bundle, queries, nanos / 1e6 / q, bytesToOwner / 1e6 / q,
          bytesToLicensee / 1e6 / q, (bytesToOwner + bytesToLicensee) / 1e6 / q,
          ownerCpuNanos / 1e6 / q, licenseeCpuNanos / 1e6 / q);
    }
  }

  /** The offline phase: one bundle per invocation, checked afterwards by one query. */
  @State(Scope.Benchmark)
  public static class Offline {
    @Param({"tier1", "tier2"})
    public String tier;

    /** Queries per bundle; 20 as in the issue, smaller for a quick run. */
    @Param({"20"})
    public int bundle;

    /** What the licensee learns: LABEL (Network A ends with argmax, tier 1 serves only that). */
    @Param({"LABEL"})
    public String output;

    TierRun run;
    double[][] images;
    final Counts counts = new Counts();
    private boolean measured;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
      setup(networkA(), images(IMAGES));
    }

    /** The trial's setup on {@code model} and {@code imgs} (a test runs a small model). */
    void setup(Model model, double[][] imgs) {
      images = imgs;
      run = TierRun.of(tier, model, OutputPolicy.valueOf(output));
    }

    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
      measured = params.getType() == IterationType.MEASUREMENT;
    }

    @Setup(Level.Invocation)
    public void open() {
      run.open();
      counts.start(run);
    }

    /** Counts the bundle, then runs one of its queries against the reference, then ends it. */
    @TearDown(Level.Invocation)
    public void check() {
      if (measured) {
        counts.stop(run, bundle);
      }
      if (run.remaining() != bundle) {
        throw new TierRun.WrongAnswerException("the offline phase prepared " + run.remaining()
            + " queries, not " + bundle);
      }
      double[] x = images[next++ % images.length];
      TierRun.Answer a = run.query(x);
      if (!run.agrees(x, a)) {
        throw new TierRun.WrongAnswerException(tier + ": a query of the prepared bundle differs"
            + " from the reference");
      }
      run.closeSession();
    }

    @TearDown(Level.Trial)
    public void report() {
      System.out.println();
      System.out.println(counts.line(tier, "offline", bundle));
      run.close();
    }
  }

  /** The online phase: one query per invocation, from bundles prepared outside the clock. */
  @State(Scope.Benchmark)
  public static class Online {
    @Param({"tier1", "tier2"})
    public String tier;

    @Param({"20"})
    public int bundle;

    @Param({"LABEL"})
    public String output;

    TierRun run;
    double[][] images;
    final Counts counts = new Counts();
    double[] image;
    TierRun.Answer answer;
    private boolean measured;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
      setup(networkA(), images(IMAGES));
    }

    void setup(Model model, double[][] imgs) {
      images = imgs;
      run = TierRun.of(tier, model, OutputPolicy.valueOf(output));
    }

    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
      measured = params.getType() == IterationType.MEASUREMENT;
    }

    /** Prepares a new bundle when the current one is used up, then picks the next image. */
    @Setup(Level.Invocation)
    public void ready() {
      if (run.remaining() == 0) {
        run.closeSession();
        run.open();
        run.prepare(bundle);
      }
      image = images[next++ % images.length];
      answer = null;
      counts.start(run);
    }

    @TearDown(Level.Invocation)
    public void check() {
      if (measured) {
        counts.stop(run, 1);
      }
      if (answer == null || !run.agrees(image, answer)) {
        throw new TierRun.WrongAnswerException(tier + ": an online answer differs from the"
            + " reference");
      }
    }

    @TearDown(Level.Trial)
    public void report() {
      System.out.println();
      System.out.println(counts.line(tier, "online", bundle));
      run.close();
    }
  }

  /** Plaintext float64 inference of Network A, cycling through the same images. */
  @State(Scope.Benchmark)
  public static class Plaintext {
    FloatInference model;
    double[][] images;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
      model = new FloatInference(networkA());
      images = images(IMAGES);
    }

    double[] nextImage() {
      next = (next + 1) % images.length;
      return images[next];
    }
  }

  @Benchmark
  public Object offline(Offline s) {
    return s.run.prepare(s.bundle);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  public Object online(Online s) {
    s.answer = s.run.query(s.image);
    return s.answer;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  public double[] plaintext(Plaintext s) {
    return s.model.logits(s.nextImage());
  }
}
