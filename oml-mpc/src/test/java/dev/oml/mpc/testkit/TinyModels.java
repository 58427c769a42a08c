package dev.oml.mpc.testkit;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.AvgPool2D;
import dev.oml.core.model.Conv2D;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.mpc.inference.TwoPartyParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small models and INSECURE parameters for fast and statistical tests. */
public final class TinyModels {
  private TinyModels() {}

  /** l = 16, f = 4: small enough for the INSECURE N = 256 parameters. */
  public static final FixedPointFormat SMALL = FixedPointFormat.of(16, 4);

  /**
   * INSECURE: N = 256, one 60-bit prime (answers stay at the level the sender computed at, so an
   * attacker sees exactly what was computed), t = 2^16, kappa 6. Only for tests.
   */
  public static final HeParameters INSECURE_HE = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(256).coeffModulusBits(60).plainModulusPowerOfTwo(16)
      .insecureForTesting().name("INSECURE-2PC-N256-L16").build();

  public static TwoPartyParameters insecure() {
    return TwoPartyParameters.of(INSECURE_HE, 6);
  }

  public static double[] weights(Random r, int n, double scale) {
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = (r.nextDouble() * 2 - 1) * scale;
    }
    return w;
  }

  /** Dense 8-6-4-3 with ReLU after the first two layers, optionally ending with argmax. */
  public static Model mlp(FixedPointFormat fmt, long seed, boolean argmax) {
    Random r = new Random(seed);
    List<Layer> layers = new ArrayList<>(List.of(
        new Dense(8, 6, weights(r, 48, 0.9), weights(r, 6, 0.5)), new ReLU(),
        new Dense(6, 4, weights(r, 24, 0.9), weights(r, 4, 0.5)), new ReLU(),
        new Dense(4, 3, weights(r, 12, 0.9), weights(r, 3, 0.5))));
    if (argmax) {
      layers.add(new Argmax());
    }
    return Model.of("tiny-mlp", Shape.vector(8), layers, fmt, 2);
  }

  /** Conv 3x3 (1 -> 2 maps) on 6x6, ReLU, AvgPool 2x2, Flatten, Dense 8 -> 3. */
  public static Model cnn(FixedPointFormat fmt, long seed) {
    Random r = new Random(seed);
    List<Layer> layers = List.of(
        new Conv2D(1, 2, 3, 1, 0, weights(r, 18, 0.8), weights(r, 2, 0.3)), new ReLU(),
        new AvgPool2D(2, 2), new Flatten(),
        new Dense(8, 3, weights(r, 24, 0.9), weights(r, 3, 0.5)));
    return Model.of("tiny-cnn", new Shape(1, 6, 6), layers, fmt, 2);
  }

  /** Dense, Square, Dense: an HE-mode model. */
  public static Model squareNet(FixedPointFormat fmt) {
    Random r = new Random(1);
    return Model.of("tiny-square", Shape.vector(4), List.of(
        new Dense(4, 3, weights(r, 12, 0.5), weights(r, 3, 0.2)), new Square(),
        new Dense(3, 2, weights(r, 6, 0.5), weights(r, 2, 0.2))), fmt, 2);
  }

  public static double[] input(Random r, int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextDouble() * 3.5 - 1.75;
    }
    return x;
  }
}
