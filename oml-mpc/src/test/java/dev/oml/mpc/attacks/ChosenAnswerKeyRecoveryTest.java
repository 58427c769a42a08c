package dev.oml.mpc.attacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.he.Ciphertext;
import dev.oml.he.HeContext;
import dev.oml.he.MatVecLayout;
import dev.oml.he.PublicKey;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.internal.Codec;
import dev.oml.mpc.inference.internal.HeSide;
import dev.oml.mpc.inference.internal.Msg;
import dev.oml.mpc.inference.internal.Plan;
import dev.oml.mpc.inference.internal.UserProtocol;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Attack (c) of issue #14 against today's protocol: the other direction. In the offline finish
 * the licensee returns {@code Enc_O(W_U q - t)} under the owner's fresh bundle key, and the owner
 * decrypts it without any check. The licensee adds {@code gamma X^e} to {@code c_1} of its answer
 * for the last layer, with {@code gamma = round(q 2^b / t)}: the owner's decryption then moves
 * by {@code 2^b (X^e s_O)} at each output coefficient, that is by {@code +-2^b} times one
 * coefficient of the owner's secret key, and the shift goes straight into the owner's share of
 * the logits. Under LOGITS the licensee compares with one untampered query on the same input
 * and reads one key coefficient per logit per query: a model with 32 logits gives all
 * {@code N = 256} coefficients in 1 + 8 queries of one bundle. The recovered key is checked
 * against the owner's public key of that bundle alone (it must decrypt fresh encryptions under
 * it), and it opens the owner's {@code Enc_O(q)} that came with the bundle.
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
    LocalRun run = new LocalRun(wideLogits(false), TinyModels.insecure(), OutputPolicy.LOGITS, 1000);
    ModifiedLicensee licensee = new ModifiedLicensee(run);
    Plan plan = licensee.engine().plan();
    HeContext ctx = HeSide.context(run.params);
    CiphertextSurgery surgery = new CiphertextSurgery(ctx);
    int k = plan.stageCount();
    int last = k - 1;
    MatVecLayout[] layouts = new MatVecLayout[k];
    for (int i = 0; i < k; i++) {
      layouts[i] = ctx.coefficientMatVec().layout(plan.stage(i).rows(), plan.stage(i).cols());
    }
    MatVecLayout out = layouts[last];
    assertEquals(1, out.outputCount());
    int nCoeff = out.polyModulusDegree();
    int l = TinyModels.SMALL.ringBits();
    int f = TinyModels.SMALL.fractionalBits();
    int rows = plan.outputs();
    int perQuery = rows;
    int tampered = nCoeff / perQuery;
    int n = 1 + tampered; // one honest query as the baseline, then one per key slice

    byte[][] ownerKey = new byte[1][];
    List<byte[]> ownerQueries = new ArrayList<>();
    long[][] ownerMasked = new long[1][];
    licensee.watchReply(reply -> {
      Codec.Reader rd = new Codec.Reader(reply, Msg.OFFLINE_REPLY, "attack");
      rd.u8();
      ownerKey[0] = rd.blob(HeSide.MAX_OBJECT_BYTES);
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < k; i++) {
          HeSide.read(rd, layouts[i].outputCount(), "attack");
        }
      }
      // query 0's Enc_O(q) and h_O - q of stage 1, kept to show what the key opens
      ownerQueries.addAll(HeSide.read(rd, layouts[1].inputCount(), "attack"));
      ownerMasked[0] = rd.ring(plan.stage(1).cols(), l);
    });
    licensee.rewriteFinish(finish -> {
      Codec.Reader rd = new Codec.Reader(finish, Msg.OFFLINE_FINISH, "attack");
      Codec.Writer w = new Codec.Writer(Msg.OFFLINE_FINISH, finish.length);
      for (int j = 0; j < n; j++) {
        for (int i = 1; i < k; i++) {
          List<byte[]> cts = HeSide.read(rd, layouts[i].outputCount(), "attack");
          if (i == last && j > 0) {
            byte[] c = cts.get(0);
            int level = ctx.serializer().loadCiphertext(c).level();
            BigInteger q = run.params.he().modulusAtLevel(level);
            BigInteger gamma = q.shiftLeft(B).add(BigInteger.ONE.shiftLeft(l - 1))
                .shiftRight(l);
            cts.set(0, surgery.addToExtractedC1(c, gamma, j - 1));
          }
          HeSide.write(w, cts);
        }
      }
      w.blob(rd.blob(Msg.MAX_GC_BYTES));
      rd.end();
      return w.toByteArray();
    });

    long[][] userShare = new long[1][];
    licensee.engine().recordViewTo((what, query, stage, values) -> {
      if (what.equals("share") && query == 0 && stage == 0) {
        userShare[0] = values;
      }
    });
    TwoPartyOwner.Session session = run.owner.newSession();
    UserProtocol.Bundle bundle = licensee.prepare(session, n);
    long[] zero = new long[plan.inputs()];
    long[] baseline = licensee.infer(session, bundle, zero).logits();
    assertArrayEquals(run.reference.logits(zero), baseline, "the untampered query is correct");
    long[] key = new long[nCoeff];
    boolean[] seen = new boolean[nCoeff];
    for (int e = 0; e < tampered; e++) {
      long[] logits = licensee.infer(session, bundle, zero).logits();
      for (int r = 0; r < rows; r++) {
        long diff = TinyModels.SMALL.signed(TinyModels.SMALL.reduce(logits[r] - baseline[r]));
        long unit = 1L << (B - f);
        assertEquals(0, diff % unit, "the shift is a multiple of 2^(b - f)");
        long sigma = diff / unit;
        int idx = out.outputCoefficient(r) - e;
        long sign = 1;
        if (idx < 0) {
          idx += nCoeff;
          sign = -1;
        }
        key[idx] = sign * sigma;
        seen[idx] = true;
      }
    }
    for (int i = 0; i < nCoeff; i++) {
      assertTrue(seen[i], "coefficient " + i + " was not reached");
      assertTrue(Math.abs(key[i]) <= 1, "a ternary key");
    }
    assertEquals(n, licensee.queries());
    assertEquals(n, run.charged());

    // Oracle: the owner's public key of this bundle. Only its secret key decrypts fresh
    // encryptions under it; one wrong coefficient turns the phase uniform.
    PublicKey pk = ctx.serializer().loadPublicKey(ownerKey[0]);
    Random rnd = new Random(9);
    long t = 1L << l;
    for (int trial = 0; trial < 3; trial++) {
      long[] m = new long[nCoeff];
      for (int i = 0; i < nCoeff; i++) {
        m[i] = rnd.nextInt((int) t);
      }
      Ciphertext c = ctx.encryptor(pk).encrypt(ctx.bfvEncoder().encode(m));
      assertArrayEquals(m, decrypt(ctx, c, key, t));
    }
    long[] wrong = key.clone();
    wrong[5] = wrong[5] == 0 ? 1 : 0;
    Ciphertext c = ctx.encryptor(pk).encrypt(ctx.bfvEncoder().encode(new long[nCoeff]));
    assertNotEquals(0, java.util.Arrays.stream(decrypt(ctx, c, wrong, t)).filter(v -> v != 0)
        .count(), "the oracle has power: a key one coefficient off does not decrypt");

    // What the key opens: the owner's mask q of query 0, hence its share h_O = (h_O - q) + q of
    // the hidden layer, which it sent masked in the same flight; with the licensee's own share
    // that is the hidden activation in the clear (checked against the fixed-point reference).
    Ciphertext encQ = ctx.serializer().loadCiphertext(ownerQueries.get(0));
    long[] q = decrypt(ctx, encQ, key, t);
    int cols = plan.stage(1).cols();
    long[] hidden = new long[cols];
    for (int x = 0; x < cols; x++) {
      hidden[x] = TinyModels.SMALL.reduce(ownerMasked[0][x] + q[x] + userShare[0][x]);
    }
    long[] expected = new dev.oml.core.reference.FixedPointInference(
        dev.oml.core.reference.QuantizedModel.of(wideLogits(true))).logits(zero);
    assertArrayEquals(expected, hidden, "the hidden activations of query 0");
  }

  /** {@code round(t (c_0 + c_1 s) / q) mod t} with the key's coefficients, one prime. */
  static long[] decrypt(HeContext ctx, Ciphertext c, long[] s, long t) {
    long[][][] comp = ctx.exportComponents(c);
    int nCoeff = s.length;
    BigInteger q = BigInteger.valueOf(ctx.parameters().coeffModulus()[0]);
    assertEquals(0, c.level(), "one prime");
    long[] c0 = comp[0][0];
    long[] c1 = comp[1][0];
    long[] m = new long[nCoeff];
    for (int p = 0; p < nCoeff; p++) {
      BigInteger acc = BigInteger.valueOf(c0[p]);
      for (int i = 0; i < nCoeff; i++) {
        if (s[i] == 0) {
          continue;
        }
        int j = p - i;
        long sign = s[i];
        if (j < 0) {
          j += nCoeff;
          sign = -sign;
        }
        BigInteger term = BigInteger.valueOf(c1[j]);
        acc = sign > 0 ? acc.add(term) : acc.subtract(term);
      }
      acc = acc.mod(q);
      m[p] = acc.multiply(BigInteger.valueOf(t)).add(q.shiftRight(1)).divide(q)
          .mod(BigInteger.valueOf(t)).longValue();
    }
    return m;
  }
}
