package dev.oml.bench.jmh;

import dev.oml.bench.modes.HeEvaluation;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.reference.FloatInference;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.TwoPartyEvaluation;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole queries of both modes next to plaintext inference of the same models, in one run: a
 * two-party query of Network A (offline preparation and online evaluation, both parties in one
 * JVM over the in-memory channel, permission issued, verified and spent), an HE query of the HE
 * network with one image and with a full ciphertext of images (pure-Java backend, 128-bit
 * parameters, flooding as the plan states), and float64 inference of each model. Divide to get
 * the overhead ratios; bytes and rounds come from {@code oml evaluate --mode 2pc|he --json}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(1)
public class InferenceModesBenchmark {
  private Model networkA;
  private Model heNetwork;
  private FloatInference plainA;
  private FloatInference plainHe;
  private TwoPartyEvaluation twoParty;
  private HeEvaluation he;
  private Dataset one;
  private Dataset eight;
  private double[][] image;
  private int next;

  @Setup(Level.Trial)
  public void setup() {
    Path home = Path.of(System.getProperty("oml.home", "."));
    networkA = ModelFiles.load(home.resolve("models/network-a.omlm"));
    heNetwork = ModelFiles.load(home.resolve("models/he-network.omlm"));
    Dataset data = FashionMnist.test(home.resolve("data/fashion-mnist-subset"));
    one = data.limit(1);
    eight = data.limit(8);
    image = new double[][] {data.image(0)};
    plainA = new FloatInference(networkA);
    plainHe = new FloatInference(heNetwork);
    SecureRandom rng = new SecureRandom();
    twoParty = TwoPartyEvaluation.create(networkA, OutputPolicy.LABEL, rng);
    double[][] calibration = new double[200][];
    for (int i = 0; i < 200; i++) {
      calibration[i] = data.image(i);
    }
    he = new HeEvaluation(heNetwork, dev.oml.he.HeBackends.pureJava(), 6, 4, calibration, rng);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    twoParty.close();
    he.close();
  }

  @Benchmark
  public double[] plaintextNetworkA() {
    next = (next + 1) & 7;
    return plainA.logits(eight.image(next));
  }

  @Benchmark
  public double[] plaintextHeNetwork() {
    next = (next + 1) & 7;
    return plainHe.logits(eight.image(next));
  }

  @Benchmark
  public Object twoPartyQueryNetworkA() {
    return twoParty.runBundle(image);
  }

  /** One session (keys included) with one query of one image. */
  @Benchmark
  public Object heSessionOneImage() throws Exception {
    return he.evaluate(one, 0, n -> { });
  }

  /** One session (keys included) with one query of eight images (one ciphertext). */
  @Benchmark
  public Object heSessionEightImages() throws Exception {
    return he.evaluate(eight, 0, n -> { });
  }
}
