package dev.oml.testkit;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.AvgPool2D;
import dev.oml.core.model.Conv2D;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Model;
import dev.oml.core.model.Polynomial;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import java.util.List;
import java.util.Random;

/** Small random models for tests, deterministic in their seed. */
public final class TestModels {
  private TestModels() {}

  public static double[] gaussian(Random r, int n, double std) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextGaussian() * std;
    }
    return v;
  }

  /** {@code in -> hidden -> out} with ReLU and a final argmax, in the narrowest ring of at least 40 bits with f = 12. */
  public static Model mlp(long seed, int in, int hidden, int out) {
    Random r = new Random(seed);
    Model m = Model.of("mlp-" + seed, Shape.vector(in), List.of(
        new Dense(in, hidden, gaussian(r, in * hidden, 1.0 / Math.sqrt(in)), gaussian(r, hidden, 0.1)),
        new ReLU(),
        new Dense(hidden, out, gaussian(r, hidden * out, 1.0 / Math.sqrt(hidden)), gaussian(r, out, 0.1)),
        new Argmax()), FixedPointFormat.of(60, 12), 5);
    return m.withFormat(FixedPointFormat.of(Math.max(40, m.requiredRingBits(12)), 12));
  }

  /** Every layer kind once: conv, square, avg pool, flatten, dense, relu, polynomial, dense, argmax. */
  public static Model everyLayer(long seed) {
    Random r = new Random(seed);
    return Model.of("every-layer-" + seed, new Shape(2, 6, 6), List.of(
        new Conv2D(2, 3, 3, 1, 1, gaussian(r, 3 * 2 * 9, 0.3), gaussian(r, 3, 0.1)),
        new Square(),
        new AvgPool2D(2, 2),
        new Flatten(),
        new Dense(27, 8, gaussian(r, 27 * 8, 0.3), gaussian(r, 8, 0.1)),
        new ReLU(),
        new Polynomial(new double[] {0.1, 0.5, 0.2}),
        new Dense(8, 4, gaussian(r, 32, 0.3), gaussian(r, 4, 0.1)),
        new Argmax()), FixedPointFormat.of(44, 12), 6);
  }
}
