package dev.oml.core.omlize;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import java.util.List;
import java.util.Random;

/** Small random models for tests, built from a seed. */
public final class TestModels {
  private TestModels() {}

  /** A {@code in -> hidden -> out} ReLU MLP, weights uniform in (-1, 1), in Z_2^40 with f = 12. */
  public static Model mlp(long seed, int in, int hidden, int out) {
    Random r = new Random(seed);
    return Model.of("t" + seed, Shape.vector(in), List.of(
        new Dense(in, hidden, uniform(r, in * hidden, 1), uniform(r, hidden, 1)),
        new ReLU(),
        new Dense(hidden, out, uniform(r, hidden * out, 1), uniform(r, out, 1))),
        FixedPointFormat.of(40, 12), 4);
  }

  /** One dense layer with every weight and bias equal to {@code value}: maximally structured. */
  public static Model constant(int in, int out, double value) {
    double[] w = new double[in * out];
    double[] b = new double[out];
    java.util.Arrays.fill(w, value);
    java.util.Arrays.fill(b, value);
    return Model.of("c", Shape.vector(in), List.of(new Dense(in, out, w, b)),
        FixedPointFormat.of(40, 12), 4);
  }

  static double[] uniform(Random r, int n, double scale) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = (2 * r.nextDouble() - 1) * scale;
    }
    return a;
  }
}
