package dev.oml.bench.jmh;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.reference.QuantizedModel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The plaintext baseline every overhead ratio divides by: one inference of a shipped model in
 * float64 (EJML) and in the fixed-point ring, on images of the shipped subset. Run from the
 * repository root (it reads {@code models/} and {@code data/}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PlaintextInferenceBenchmark {
  @Param({"network-a", "he-network"})
  public String model;

  private FloatInference floatInference;
  private FixedPointInference fixedInference;
  private double[][] images;
  private long[][] encoded;
  private int next;

  @Setup
  public void setup() {
    Path home = Path.of(System.getProperty("oml.home", "."));
    Model m = ModelFiles.load(home.resolve("models").resolve(model + ModelFiles.EXTENSION));
    Dataset d = FashionMnist.test(home.resolve("data/fashion-mnist-subset")).limit(64);
    floatInference = new FloatInference(m);
    fixedInference = new FixedPointInference(QuantizedModel.of(m));
    images = new double[d.size()][];
    encoded = new long[d.size()][];
    for (int i = 0; i < d.size(); i++) {
      images[i] = d.image(i);
      encoded[i] = fixedInference.encodeInput(images[i]);
    }
  }

  @Benchmark
  public double[] floatInference() {
    next = (next + 1) % images.length;
    return floatInference.logits(images[next]);
  }

  @Benchmark
  public long[] fixedPointInference() {
    next = (next + 1) % encoded.length;
    return fixedInference.logits(encoded[next]);
  }
}
