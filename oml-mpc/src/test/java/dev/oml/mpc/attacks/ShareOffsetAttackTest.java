package dev.oml.mpc.attacks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Attack (b) of issue #14 against today's protocol ({@link ShareOffsetAttack}): offsets on the
 * licensee's shares before the ReLU circuits (MUSE, Lehmkuhl et al., USENIX Security 2021). The
 * circuit adds the two shares
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

  @ParameterizedTest
  @EnumSource(value = OutputPolicy.class, names = {"LABEL", "LOGITS"})
  void offsetsOnTheUsersSharesIsolateANeuronAndRevealItsFirstLayerWeights(OutputPolicy policy) {
    Model model = twoLayer();
    LocalRun run = new LocalRun(model, TinyModels.insecure(), policy, 100_000);
    ShareOffsetAttack attack = new ShareOffsetAttack(run, new ModifiedLicensee(run), BUNDLE);
    ShareOffsetAttack.Row row = attack.recoverRow(WEIGHTS);
    long[] w = QuantizedModel.of(model).matrix(0);
    for (int j = 0; j < WEIGHTS; j++) {
      assertEquals(TinyModels.SMALL.signed(w[row.neuron() * 8 + j]), row.weights()[j],
          policy + ": weight " + row.neuron() + "," + j);
    }
    int queries = attack.queries();
    assertEquals((long) Math.ceil(queries / (double) BUNDLE) * BUNDLE, run.charged(),
        "every query was an ordinary, charged one");
    System.out.printf("share offsets, %s: row %d (%d weights) in %d queries, %.1f per weight%n",
        policy, row.neuron(), WEIGHTS, queries, queries / (double) WEIGHTS);
  }
}
