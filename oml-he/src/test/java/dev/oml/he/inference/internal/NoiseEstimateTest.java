package dev.oml.he.inference.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.Polynomial;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pins the variance walks of {@link NoiseEstimate} bit for bit on fixed inputs (a small network
 * with a square and a cubic activation, fixed primes, fixed activation statistics): the rows
 * walk at one and two primes per level and the batch walk. The values were computed by the walks
 * as they stood before their shared parts were extracted; a change of any bit of a bound the
 * planner sizes the flood with shows here.
 */
class NoiseEstimateTest {
  private static final Model NET = Model.of("pin", Shape.vector(4), List.of(
      new Dense(4, 3, new double[] {0.5, -0.25, 0.125, 0.5, 0.25, 0.5, -0.5, 0.25, -0.125, 0.25,
          0.5, 0.5}, new double[] {0.1, 0, -0.1}),
      new Square(),
      new Dense(3, 3, new double[] {0.5, -0.5, 0.25, 0.25, 0.5, -0.25, 1, 0.75, -0.5},
          new double[3]),
      new Polynomial(new double[] {0.1, 0.5, 0.25, -0.05}),
      new Dense(3, 2, new double[] {0.5, -0.5, 0.25, 0.25, 0.5, -0.25}, new double[2])),
      FixedPointFormat.of(40, 12), 2);
  private static final int N = 1 << 14;
  private static final long SPECIAL = (1L << 60) - 93;
  private static final double[] RMS = {0.9, 1.7, 0.6, 2.1, 0.8, 1.1, 0.5, 0.4};
  private static final double[] MAX = {1.5, 3.25, 1.2, 4.5, 1.9, 2.2, 1.0, 0.9};

  private static long[] primes(int count) {
    long[] p = new long[count];
    p[0] = (1L << 60) - 173;
    for (int i = 1; i < count; i++) {
      p[i] = (1L << 40) + 1 + 2L * N * (3 * i + 1);
    }
    return p;
  }

  @Test
  void rowsWalkAtOnePrimePerLevel() {
    HeProgram p = HeProgram.compile(NET, 4, 9, false, 1);
    double[] v = NoiseEstimate.outputVariances(p, N, 0x1p40, primes(10), SPECIAL, RMS, MAX);
    assertEquals(0x1.d75b8a529f5e5p-44, v[0]);
    assertEquals(0x1.c74d159d192d7p-58, v[1]);
  }

  @Test
  void rowsWalkAtTwoPrimesPerLevel() {
    HeProgram p = HeProgram.compile(NET, 4, 18, true, 2);
    double[] v = NoiseEstimate.outputVariances(p, N, 0x1p50, primes(19), SPECIAL, RMS, MAX);
    assertEquals(0x1.4c57009c66314p-63, v[0]);
    assertEquals(0x1.c731d71c71c74p-78, v[1]);
  }

  @Test
  void batchWalk() {
    HeProgram p = HeProgram.compile(NET, 4, 9, false, 1);
    double[] v = NoiseEstimate.batchOutputVariances(p, N, 0x1p40, primes(10), SPECIAL, RMS, MAX);
    assertEquals(0x1.7700ef252850ap-44, v[0]);
    assertEquals(0x1.6556a3d703ea7p-52, v[1]);
    double[] w = NoiseEstimate.batchOutputVariances(p, N, 0x1p40, primes(10), SPECIAL, MAX, MAX);
    // with the bounds in place of the root mean squares, as the planner calls it for the bound
    assertEquals(0x1.2112c1d95864dp-39, w[0]);
    assertEquals(0x1.65599c28d2039p-52, w[1]);
  }
}
