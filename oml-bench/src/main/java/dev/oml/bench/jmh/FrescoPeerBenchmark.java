package dev.oml.bench.jmh;

import dev.oml.bench.peer.FrescoNetworkA;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;
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

/**
 * The Java MPC peer side by side: one query of Network A (or its first dense layer and ReLU)
 * evaluated by FRESCO's SPDZ suite, two parties in this JVM over FRESCO's
 * socket network on loopback, weights secret-shared by the owner (once, in setup), the image
 * by the user, logits opened to the user. One query per measured call (single-shot), cycling
 * through images of the shipped subset.
 *
 * <p>{@code preprocessing}: {@code on-demand} times the query with FRESCO's insecure dummy
 * dealer making its triples and bits as they are needed (their local cost included);
 * {@code prefetched} draws that material before the clock, so the time is SPDZ's online phase
 * alone. Neither runs a real offline phase. Traffic per query (both parties' payload bytes,
 * messages, FRESCO evaluation batches) is deterministic and printed at the end of each trial.
 * Run from the repository root (it reads {@code models/} and {@code data/}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class FrescoPeerBenchmark {
  /**
   * {@code dense1-relu}: the first dense layer (784 -> 128) and its ReLU, results opened;
   * {@code logits}: Network A up to the logits, opened; {@code label}: all of Network A with its
   * argmax, only the label opened (what our two-party inference reveals for this model).
   */
  @Param({"dense1-relu", "logits", "label"})
  public String part;

  @Param({"on-demand", "prefetched"})
  public String preprocessing;

  private FrescoNetworkA fresco;
  private long[][] images;
  private int layers;
  private int next;
  private FrescoNetworkA.Inference last;

  @Setup(Level.Trial)
  public void setup() {
    Path home = Path.of(System.getProperty("oml.home", "."));
    Model m = ModelFiles.load(home.resolve("models").resolve("network-a" + ModelFiles.EXTENSION));
    QuantizedModel q = QuantizedModel.of(m);
    FixedPointInference ref = new FixedPointInference(q);
    Dataset d = FashionMnist.test(home.resolve("data/fashion-mnist-subset")).limit(16);
    images = new long[d.size()][];
    for (int i = 0; i < d.size(); i++) {
      images[i] = ref.encodeInput(d.image(i));
    }
    fresco = FrescoNetworkA.open(q);
    layers = switch (part) {
      case "dense1-relu" -> 2;
      case "logits" -> fresco.logitLayers();
      case "label" -> fresco.layers();
      default -> throw new IllegalArgumentException("unknown part " + part);
    };
  }

  @Setup(Level.Invocation)
  public void drawPreprocessing() {
    if (preprocessing.equals("prefetched")) {
      fresco.preprocess(images[next % images.length], layers);
    }
  }

  @Benchmark
  public long[] query() {
    last = fresco.infer(images[next++ % images.length], layers);
    return last.output();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    FrescoNetworkA.Measurement s = fresco.sharing();
    FrescoNetworkA.Measurement q = last.measurement();
    System.out.printf(Locale.ROOT, "%nFRESCO SPDZ %s (%s), %d-bit field: per query %.3f MB payload"
            + " (%.3f MB on the wire), %d messages, %d batches, %d native protocols;"
            + " owner's weight sharing once: %.0f ms, %.3f MB%n",
        part, preprocessing, fresco.modBits(), q.megabytes(), q.wireBytes() / 1e6, q.messages(),
        q.batches(), q.nativeProtocols(), s.nanos() / 1e6, s.megabytes());
    fresco.close();
  }
}
