package dev.oml.mpc.attacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.SecretAccess;
import dev.oml.core.model.Model;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.TwoPartyParameters;
import dev.oml.mpc.inference.internal.Plan;
import dev.oml.mpc.inference.internal.UserProtocol;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Attack (a) of issue #14 against today's protocol ({@link ChosenQueryAttack}): a malformed
 * offline query. The owner cannot tell (a seeded ciphertext of the right size and level is all
 * it checks); one query per input column gives column {@code j} of {@code W_O} of every layer,
 * exactly, hence {@code W = W_U + W_O}, and every answer stays correct, so the owner sees
 * ordinary sessions.
 *
 * <p>The attack needs what every real parameter set has: an answer switched below the modulus
 * it was computed at (with one prime, as in {@link TinyModels#INSECURE_HE}, the flood covers all
 * but about six bits per coefficient, so it leaks bits instead of whole weights). These
 * parameters are INSECURE N = 256 with two 60-bit primes; a slow test runs the same attack at
 * the standard parameters ({@link TwoPartyParameters#standard}: N = 8192, kappa = 40).
 */
class ChosenQueryCiphertextAttackTest {
  /** INSECURE: N = 256, two 60-bit primes, t = 2^16; the answer is switched to one prime. */
  static final HeParameters TWO_PRIMES = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(256).coeffModulusBits(60, 60).plainModulusPowerOfTwo(16)
      .insecureForTesting().name("INSECURE-2PC-N256-2x60-L16").build();

  @Test
  void oneQueryPerInputColumnRevealsTheOwnersShareOfEveryLayerExactly() {
    attack(TwoPartyParameters.of(TWO_PRIMES, 6));
  }

  /** The same at the standard parameters (N = 8192, kappa = 40): the flood changes nothing. */
  @Test
  @Tag("slow")
  void atTheStandardParametersTooOneQueryPerColumnRevealsTheOwnersShare() {
    attack(TwoPartyParameters.standard(TinyModels.SMALL));
  }

  private static void attack(TwoPartyParameters params) {
    Model model = TinyModels.mlp(TinyModels.SMALL, 61, false);
    LocalRun run = new LocalRun(model, params, OutputPolicy.LOGITS, 1000);
    ModifiedLicensee licensee = new ModifiedLicensee(run);
    ChosenQueryAttack attack = new ChosenQueryAttack(licensee, BigInteger.ONE.shiftLeft(20));
    assertTrue(attack.answerLevel() < params.he().maxLevel(), "the answer is switched down");
    Plan plan = licensee.engine().plan();
    int n = attack.queriesNeeded();
    assertEquals(8, n);

    TwoPartyOwner.Session session = run.owner.newSession();
    UserProtocol.Bundle bundle = attack.prepare(session, n);
    long[][][] recovered = attack.recovered();

    // every answer stays correct: the owner served an ordinary bundle
    Random rnd = new Random(7);
    for (int j = 0; j < n; j++) {
      long[] x = run.encode(TinyModels.input(rnd, plan.inputs()));
      assertArrayEquals(run.reference.logits(x), licensee.infer(session, bundle, x).logits(),
          "query " + j);
    }
    assertEquals(n, run.charged(), "the owner charged an ordinary bundle of " + n);

    // the oracle: the owner's key share (OMLize output) and the fixed-point model itself
    QuantizedModel fixed = QuantizedModel.of(model);
    int l = TinyModels.SMALL.ringBits();
    int weights = 0;
    for (int i = 0; i < plan.stageCount(); i++) {
      int layer = plan.stage(i).layer();
      long[] wo = run.oml.keyShare().matrixShare(layer, SecretAccess.get());
      long[] wu = run.oml.artifact().matrixShare(layer);
      long[] w = fixed.matrix(layer);
      int cols = plan.stage(i).cols();
      for (int r = 0; r < plan.stage(i).rows(); r++) {
        for (int c = 0; c < cols; c++) {
          assertEquals(Math.floorMod(wo[r * cols + c], 1L << l), recovered[i][r][c],
              "W_O of layer " + layer + " at " + r + "," + c);
          assertEquals(TinyModels.SMALL.reduce(w[r * cols + c]),
              TinyModels.SMALL.reduce(wu[r * cols + c] + recovered[i][r][c]),
              "W of layer " + layer + " at " + r + "," + c);
          weights++;
        }
      }
    }
    assertEquals(48 + 24 + 12, weights, "all weights of the model from " + n + " queries");
  }
}
