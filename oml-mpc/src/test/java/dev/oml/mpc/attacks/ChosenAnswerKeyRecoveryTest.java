package dev.oml.mpc.attacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.he.Ciphertext;
import dev.oml.he.HeContext;
import dev.oml.he.PublicKey;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.internal.HeSide;
import dev.oml.mpc.inference.internal.UserProtocol;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Attack (c) of issue #14 against today's protocol ({@link OwnerKeyRecoveryAttack}): the other
 * direction. In the offline finish the licensee returns {@code Enc_O(W_U q - t)} under the
 * owner's fresh bundle key, and the owner decrypts it without any check. The licensee adds
 * {@code gamma X^e} to {@code c_1} of its answer for the last layer, with
 * {@code gamma = round(q 2^b / t)}: the owner's decryption then moves by {@code 2^b (X^e s_O)}
 * at each output coefficient, that is by {@code +-2^b} times one coefficient of the owner's
 * secret key, and the shift goes straight into the owner's share of the logits. Under LOGITS the
 * licensee compares with one untampered query on the same input and reads one key coefficient
 * per logit per query: a model with 32 logits gives all {@code N = 256} coefficients in 1 + 8
 * queries of one bundle. The recovered key is checked against the owner's public key of that
 * bundle alone (it must decrypt fresh encryptions under it), and it opens the owner's
 * {@code Enc_O(q)} that came with the bundle, hence the hidden activations.
 */
class ChosenAnswerKeyRecoveryTest {
  /** Shift exponent: the logits move by {@code 2^(b - f)}, far above their honest size at 0. */
  private static final int B = 14;

  /** Dense 8-8, ReLU, Dense 8-32: 32 logits, whose answer tile fills all N = 256 coefficients. */
  static Model wideLogits(boolean hiddenOnly) {
    Random r = new Random(71);
    Dense first = new Dense(8, 8, TinyModels.weights(r, 64, 0.9), TinyModels.weights(r, 8, 0.5));
    if (hiddenOnly) {
      return Model.of("wide-logits-hidden", Shape.vector(8), List.of(first, new ReLU()),
          TinyModels.SMALL, 2);
    }
    return Model.of("wide-logits", Shape.vector(8), List.of(first, new ReLU(),
        new Dense(8, 32, TinyModels.weights(r, 256, 0.9), TinyModels.weights(r, 32, 0.5))),
        TinyModels.SMALL, 2);
  }

  @Test
  void tamperedAnswersTurnTheOwnersDecryptionIntoAKeyRecoveryOracleUnderLogits() {
    LocalRun run = new LocalRun(wideLogits(false), TinyModels.insecure(), OutputPolicy.LOGITS,
        1000);
    ModifiedLicensee licensee = new ModifiedLicensee(run);
    OwnerKeyRecoveryAttack attack = new OwnerKeyRecoveryAttack(licensee, B);
    HeContext ctx = HeSide.context(run.params);
    int n = attack.queriesNeeded();
    assertEquals(1 + 256 / 32, n);
    long[][] userShare = new long[1][];
    licensee.engine().recordViewTo((what, query, stage, values) -> {
      if (what.equals("share") && query == 0 && stage == 0) {
        userShare[0] = values;
      }
    });

    TwoPartyOwner.Session session = run.owner.newSession();
    UserProtocol.Bundle bundle = attack.prepare(session);
    long[] zero = new long[8];
    long[] key = attack.recoverKey(session, bundle, zero);
    assertEquals(n, licensee.queries());
    assertEquals(n, run.charged());
    for (long c : key) {
      assertTrue(Math.abs(c) <= 1, "a ternary key");
    }

    // Oracle: the owner's public key of this bundle. Only its secret key decrypts fresh
    // encryptions under it; one wrong coefficient turns the phase uniform.
    PublicKey pk = ctx.serializer().loadPublicKey(attack.ownerPublicKey());
    Random rnd = new Random(9);
    int degree = key.length;
    for (int trial = 0; trial < 3; trial++) {
      long[] m = new long[degree];
      for (int i = 0; i < degree; i++) {
        m[i] = rnd.nextInt(1 << 16);
      }
      Ciphertext c = ctx.encryptor(pk).encrypt(ctx.bfvEncoder().encode(m));
      assertArrayEquals(m, OwnerKeyRecoveryAttack.decrypt(ctx, c, key));
    }
    long[] wrong = key.clone();
    wrong[5] = wrong[5] == 0 ? 1 : 0;
    Ciphertext zeroCt = ctx.encryptor(pk).encrypt(ctx.bfvEncoder().encode(new long[degree]));
    assertTrue(Arrays.stream(OwnerKeyRecoveryAttack.decrypt(ctx, zeroCt, wrong))
        .anyMatch(v -> v != 0), "the oracle has power: a key one coefficient off fails");

    // What the key opens: the owner's mask q of query 0, hence its share h_O = (h_O - q) + q of
    // the hidden layer, which it sent masked in the same flight; with the licensee's own share
    // that is the hidden activation in the clear (checked against the fixed-point reference).
    long[] q = OwnerKeyRecoveryAttack.decrypt(ctx, attack.ownerMaskCiphertext(), key);
    long[] masked = attack.ownerMaskedShare();
    long[] hidden = new long[masked.length];
    for (int x = 0; x < hidden.length; x++) {
      hidden[x] = TinyModels.SMALL.reduce(masked[x] + q[x] + userShare[0][x]);
    }
    long[] expected = new FixedPointInference(QuantizedModel.of(wideLogits(true))).logits(zero);
    assertArrayEquals(expected, hidden, "the hidden activations of query 0");
  }
}
