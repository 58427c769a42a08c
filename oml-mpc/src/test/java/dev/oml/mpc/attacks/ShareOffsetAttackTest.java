package dev.oml.mpc.attacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.internal.UserProtocol;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Attack (b) of issue #14 against today's protocol: offsets on the licensee's shares before the
 * ReLU circuits (MUSE, Lehmkuhl et al., USENIX Security 2021). The circuit adds the two shares
 * and cannot tell an offset from an honest share, so a patched client (here through the user
 * engine's share seam) adds {@code -2^14} to every first-layer neuron but one, which kills them,
 * and {@code delta} to the one it studies: the output then depends only on
 * {@code ReLU((a + delta) >> f)} with {@code a = W[n] x + b[n]}. With every neuron dead the
 * output is a constant; the smallest {@code delta} at which it changes is {@code c - a} for a
 * constant {@code c} the licensee never needs (the first ReLU level that moves the output), so
 * two binary searches, on input 0 and on input {@code e_j} (one unit at {@code f} bits), give
 * {@code W[n][j] = delta*(0) - delta*(e_j)} exactly, under LABEL as under LOGITS. The bias
 * search is shared by the row, so a row of {@code d} weights costs about {@code 13 (d + 1) + 2}
 * queries.
 */
class ShareOffsetAttackTest {
  private static final long KILL = -(1L << 14);
  /** The search range of delta: wide enough for the output to move, narrow enough not to wrap. */
  private static final long RANGE = 1L << 12;
  private static final int BUNDLE = 20;
  /**
   * Weights recovered per run: two keep the test at a few seconds (a full row of 8 took 119
   * queries under LOGITS and 120 under LABEL, 15 per weight).
   */
  private static final int WEIGHTS = 2;

  /** Dense 8-6, ReLU, Dense 6-3: one ReLU layer between input and output. */
  static Model twoLayer() {
    Random r = new Random(81);
    return Model.of("two-layer", Shape.vector(8), List.of(
        new Dense(8, 6, TinyModels.weights(r, 48, 0.9), TinyModels.weights(r, 6, 0.5)),
        new ReLU(),
        new Dense(6, 3, TinyModels.weights(r, 18, 0.9), TinyModels.weights(r, 3, 0.5))),
        TinyModels.SMALL, 2);
  }

  /** The licensee's oracle: one query with chosen offsets on its first-layer shares. */
  static final class OffsetOracle {
    final LocalRun run;
    final ModifiedLicensee licensee;
    final OutputPolicy policy;
    long[] offsets;
    TwoPartyOwner.Session session;
    UserProtocol.Bundle bundle;
    int queries;

    OffsetOracle(LocalRun run, OutputPolicy policy) {
      this.run = run;
      this.policy = policy;
      this.licensee = new ModifiedLicensee(run);
      licensee.engine().tamperSharesForTesting((query, stage, zU) -> {
        if (stage == 0) {
          for (int k = 0; k < zU.length; k++) {
            zU[k] += offsets[k];
          }
        }
      });
    }

    /** The output (label, or logits) for input {@code x} with {@code delta} on neuron n. */
    String output(long[] x, int neuron, long delta) {
      int rows = licensee.engine().plan().stage(0).rows();
      offsets = new long[rows];
      Arrays.fill(offsets, KILL);
      offsets[neuron] = delta;
      if (bundle == null || bundle.remaining() == 0) {
        session = run.owner.newSession();
        bundle = licensee.prepare(session, BUNDLE);
      }
      queries++;
      ModifiedLicensee.Output o = licensee.infer(session, bundle, x);
      return policy == OutputPolicy.LABEL ? "label " + o.label() : Arrays.toString(o.logits());
    }

    /** The smallest delta in (-RANGE, RANGE] at which the output leaves {@code dead}. */
    long threshold(long[] x, int neuron, String dead) {
      long lo = -RANGE;
      long hi = RANGE;
      while (hi - lo > 1) {
        long mid = (lo + hi) / 2;
        if (output(x, neuron, mid).equals(dead)) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      return hi;
    }
  }

  @ParameterizedTest
  @EnumSource(value = OutputPolicy.class, names = {"LABEL", "LOGITS"})
  void offsetsOnTheUsersSharesIsolateANeuronAndRevealItsFirstLayerWeights(OutputPolicy policy) {
    Model model = twoLayer();
    LocalRun run = new LocalRun(model, TinyModels.insecure(), policy, 100_000);
    OffsetOracle oracle = new OffsetOracle(run, policy);
    int inputs = 8;
    long[] zero = new long[inputs];
    // every neuron dead: the output is a constant of the model (its last bias)
    String dead = oracle.output(zero, 0, KILL);
    // pick a neuron that can move the output at all
    int neuron = -1;
    for (int n = 0; n < 6 && neuron < 0; n++) {
      if (!oracle.output(zero, n, RANGE).equals(dead)) {
        neuron = n;
      }
    }
    assertTrue(neuron >= 0, "no neuron moves the output");
    long base = oracle.threshold(zero, neuron, dead);
    long[] row = new long[WEIGHTS];
    for (int j = 0; j < WEIGHTS; j++) {
      long[] unit = new long[inputs];
      unit[j] = 1;
      row[j] = base - oracle.threshold(unit, neuron, dead);
    }
    long[] w = QuantizedModel.of(model).matrix(0);
    for (int j = 0; j < WEIGHTS; j++) {
      assertEquals(TinyModels.SMALL.signed(w[neuron * inputs + j]), row[j],
          policy + ": weight " + neuron + "," + j);
    }
    assertEquals(run.charged(), (long) Math.ceil(oracle.queries / (double) BUNDLE) * BUNDLE);
    System.out.printf("share offsets, %s: row %d (%d weights) in %d queries, %.1f per weight%n",
        policy, neuron, WEIGHTS, oracle.queries, oracle.queries / (double) WEIGHTS);
  }
}
