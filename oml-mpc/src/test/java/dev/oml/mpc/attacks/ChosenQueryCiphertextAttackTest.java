package dev.oml.mpc.attacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.SecretAccess;
import dev.oml.core.model.Model;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.he.Ciphertext;
import dev.oml.he.Decryptor;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.MatVecLayout;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.TwoPartyParameters;
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
 * Attack (a) of issue #14 against today's protocol: a malformed offline query. The licensee adds
 * {@code delta X^k} to {@code c_0} of its own {@code Enc_U(r)} of every stage. The owner cannot
 * tell (a seeded ciphertext of the right size and level is all it checks) and multiplies by its
 * tile of {@code W_O}; the product then carries {@code delta W_O[., k]} at every output
 * coefficient, below the plaintext. The flood is sized for honest query noise, and the switch
 * to the answer modulus divides everything by the dropped primes: {@code delta} is chosen as
 * {@code D * Q / q_answer}, so the column arrives as {@code D W_O[., k]} with only rounding noise
 * around it, while the plaintext {@code W_O r - s} still decrypts exactly. The licensee reads
 * the full phase with its own key: one query per input column gives column {@code k} of every
 * layer, and every answer stays correct, so the owner sees ordinary sessions.
 *
 * <p>The attack needs what every real parameter set has: an answer switched below the modulus
 * it was computed at (with one prime, as in {@link TinyModels#INSECURE_HE}, the flood covers all
 * but about seven bits per coefficient, so it leaks bits instead of whole weights). These
 * parameters are INSECURE N = 256 with two 60-bit primes.
 */
class ChosenQueryCiphertextAttackTest {
  /** INSECURE: N = 256, two 60-bit primes, t = 2^16; the answer is switched to one prime. */
  static final HeParameters TWO_PRIMES = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(256).coeffModulusBits(60, 60).plainModulusPowerOfTwo(16)
      .insecureForTesting().name("INSECURE-2PC-N256-2x60-L16").build();
  /** The column's scale at the answer modulus: far above the rounding noise (about 2^8). */
  private static final BigInteger D = BigInteger.ONE.shiftLeft(20);

  @Test
  void oneQueryPerInputColumnRevealsTheOwnersShareOfEveryLayerExactly() {
    Model model = TinyModels.mlp(TinyModels.SMALL, 61, false);
    TwoPartyParameters params = TwoPartyParameters.of(TWO_PRIMES, 6);
    LocalRun run = new LocalRun(model, params, OutputPolicy.LOGITS, 1000);
    ModifiedLicensee licensee = new ModifiedLicensee(run);
    Plan plan = licensee.engine().plan();
    HeContext ctx = HeSide.context(params);
    CiphertextSurgery surgery = new CiphertextSurgery(ctx);
    int k = plan.stageCount();
    MatVecLayout[] layouts = new MatVecLayout[k];
    int columns = 0;
    for (int i = 0; i < k; i++) {
      layouts[i] = ctx.coefficientMatVec().layout(plan.stage(i).rows(), plan.stage(i).cols());
      columns = Math.max(columns, plan.stage(i).cols());
    }
    int l = TinyModels.SMALL.ringBits();
    BigInteger t = BigInteger.ONE.shiftLeft(l);
    BigInteger qTop = TWO_PRIMES.modulusAtLevel(TWO_PRIMES.maxLevel());
    int n = columns; // one query per column of the widest layer
    long[][][] recovered = new long[k][][];
    for (int i = 0; i < k; i++) {
      recovered[i] = new long[plan.stage(i).rows()][plan.stage(i).cols()];
    }
    BigInteger[] delta = new BigInteger[1];
    List<List<byte[]>> answers = new ArrayList<>();

    licensee.rewritePayload(payload -> {
      Codec.Reader rd = new Codec.Reader(payload, Msg.OFFLINE_REQUEST, "attack");
      Codec.Writer w = new Codec.Writer(Msg.OFFLINE_REQUEST, payload.length)
          .u8(rd.u8()).bytes(rd.bytes(32)).bytes(rd.bytes(32)).u8(rd.u8());
      int count = rd.u32();
      w.u32(count).blob(rd.blob(HeSide.MAX_OBJECT_BYTES));
      for (int j = 0; j < count; j++) {
        for (int i = 0; i < k; i++) {
          List<byte[]> cts = HeSide.read(rd, layouts[i].inputCount(), "attack");
          if (j < plan.stage(i).cols()) {
            int bc = layouts[i].blockCols();
            cts.set(j / bc, surgery.addToSeededC0(cts.get(j / bc), delta[0], j % bc));
          }
          HeSide.write(w, cts);
        }
      }
      w.blob(rd.blob(Msg.MAX_GC_BYTES));
      rd.end();
      return w.toByteArray();
    });
    licensee.watchReply(reply -> {
      Codec.Reader rd = new Codec.Reader(reply, Msg.OFFLINE_REPLY, "attack");
      rd.u8();
      rd.blob(HeSide.MAX_OBJECT_BYTES);
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < k; i++) {
          answers.add(HeSide.read(rd, layouts[i].outputCount(), "attack"));
        }
      }
    });

    // The answer level is public (the owner's budget, from public sizes): the licensee scales
    // delta so that the column lands at D after the switch.
    int answerLevel = dev.oml.he.FloodingBudget.forMatVec(TWO_PRIMES, layouts[0].inputCount(),
        layouts[0].outputCount(), params.kappa()).answerLevel();
    assertEquals(0, answerLevel, "the answer is switched down to one prime");
    BigInteger qAnswer = TWO_PRIMES.modulusAtLevel(answerLevel);
    delta[0] = D.multiply(qTop.divide(qAnswer));

    TwoPartyOwner.Session session = run.owner.newSession();
    UserProtocol.Bundle bundle = licensee.prepare(session, n);
    Decryptor own = ctx.decryptor(licensee.heSecretKey());
    int a = 0;
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < k; i++) {
        List<byte[]> cts = answers.get(a++);
        if (j >= plan.stage(i).cols()) {
          continue;
        }
        BigInteger[][] phases = new BigInteger[cts.size()][];
        for (int o = 0; o < cts.size(); o++) {
          Ciphertext c = ctx.serializer().loadCiphertext(cts.get(o));
          assertEquals(answerLevel, c.level());
          phases[o] = own.phase(c);
        }
        MatVecLayout lay = layouts[i];
        for (int r = 0; r < plan.stage(i).rows(); r++) {
          BigInteger phase = phases[r / lay.blockRows()][lay.outputCoefficient(r)];
          recovered[i][r][j] = readBelowPlaintext(phase, qAnswer, t);
        }
      }
    }

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
    int weights = 0;
    for (int i = 0; i < k; i++) {
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
    assertEquals(48 + 24 + 12, weights);
    assertTrue(weights / (double) n > 10, "more than ten weights per query");
  }

  /**
   * The licensee's reading of one answer coefficient: the centered phase is
   * {@code round(q u / t) + D w + noise}; the nearest multiple of {@code q / t} gives {@code u},
   * and what is left, divided by {@code D}, the weight {@code w mod t}.
   */
  private static long readBelowPlaintext(BigInteger phase, BigInteger q, BigInteger t) {
    BigInteger scaled = phase.multiply(t);
    BigInteger u = roundDiv(scaled, q);
    BigInteger rest = scaled.subtract(u.multiply(q)); // t * (D w + noise), up to rounding
    return roundDiv(rest, t.multiply(D)).mod(t).longValue();
  }

  private static BigInteger roundDiv(BigInteger a, BigInteger b) {
    BigInteger twice = a.shiftLeft(1).add(b);
    return twice.signum() >= 0 ? twice.divide(b.shiftLeft(1))
        : twice.subtract(b.shiftLeft(1)).add(BigInteger.ONE).divide(b.shiftLeft(1));
  }
}
