package dev.oml.bench.demo;

import dev.oml.core.data.Dataset;
import dev.oml.core.model.Model;
import dev.oml.core.reference.FloatInference;

/**
 * The denominator of every overhead ratio: float64 inference of one image, timed the way JMH
 * times an average-time benchmark, inside the profiling process. Warm-up iterations of a fixed
 * duration run first and are thrown away (the JIT compiles the matrix products during them), then
 * each measurement iteration runs inferences for a fixed duration and contributes one sample, its
 * time per image; every result feeds a sink so the JIT cannot drop the work. Cold timing, which
 * the profile did before, made the ratio depend on how many images the run had.
 *
 * <p>It cycles over at most {@link #MAX_IMAGES} images of the run (the cost of a dense network
 * does not depend on the pixel values, so the figure does not depend on {@code --limit} either).
 * The JMH benchmark {@code PlaintextInferenceBenchmark} measures the same with forks and longer
 * iterations; this one costs about {@code (warmup + measurement) x iteration} per model.
 */
public final class PlaintextTimer {
  /** Images cycled over at most. */
  public static final int MAX_IMAGES = 64;

  /** The default schedule: 10 warm-up iterations of 100 ms, then 20 measured ones of 50 ms. */
  public static final PlaintextTimer DEFAULT = new PlaintextTimer(10, 100, 20, 50);

  private final int warmups;
  private final long warmupMillis;
  private final int iterations;
  private final long iterationMillis;
  // The sink: read after timing, so the inferences are observable and cannot be eliminated.
  private double sink;

  /**
   * @throws IllegalArgumentException if a count or duration is not positive
   */
  public PlaintextTimer(int warmups, long warmupMillis, int iterations, long iterationMillis) {
    if (warmups < 1 || warmupMillis < 1 || iterations < 1 || iterationMillis < 1) {
      throw new IllegalArgumentException("warm-ups, iterations and their durations must be positive");
    }
    this.warmups = warmups;
    this.warmupMillis = warmupMillis;
    this.iterations = iterations;
    this.iterationMillis = iterationMillis;
  }

  /** The schedule as the profile reports it, for example {@code "10 x 100 ms"}. */
  public String warmupSchedule() {
    return warmups + " x " + warmupMillis + " ms";
  }

  /** Measurement iterations: the number of samples {@link #time} returns. */
  public int iterations() {
    return iterations;
  }

  /** The measurement schedule, for example {@code "20 x 50 ms"}. */
  public String measurementSchedule() {
    return iterations + " x " + iterationMillis + " ms";
  }

  /**
   * Milliseconds per image of float64 inference of {@code model}, one sample per measurement
   * iteration.
   *
   * @throws IllegalArgumentException if {@code images} is empty
   */
  public synchronized Stats time(Model model, Dataset images) {
    int count = Math.min(images.size(), MAX_IMAGES);
    if (count == 0) {
      throw new IllegalArgumentException("no images to time plaintext inference on");
    }
    double[][] xs = new double[count][];
    for (int i = 0; i < count; i++) {
      xs[i] = images.image(i);
    }
    FloatInference f = new FloatInference(model);
    for (int i = 0; i < warmups; i++) {
      iteration(f, xs, warmupMillis);
    }
    double[] samples = new double[iterations];
    for (int i = 0; i < iterations; i++) {
      samples[i] = iteration(f, xs, iterationMillis);
    }
    if (Double.isNaN(sink)) {
      // NaN logits would mean a broken model; reading the sink here is what keeps the work alive
      throw new IllegalStateException("plaintext inference of " + model.name() + " gave NaN");
    }
    return Stats.of(samples);
  }

  /** Runs inferences for at least {@code millis} and returns milliseconds per image. */
  private double iteration(FloatInference f, double[][] xs, long millis) {
    long budget = millis * 1_000_000L;
    long ops = 0;
    long t0 = System.nanoTime();
    long elapsed;
    do {
      sink += f.logits(xs[(int) (ops % xs.length)])[0];
      ops++;
      elapsed = System.nanoTime() - t0;
    } while (elapsed < budget);
    return elapsed / 1e6 / ops;
  }
}
