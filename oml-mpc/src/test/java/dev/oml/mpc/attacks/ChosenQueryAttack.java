package dev.oml.mpc.attacks;

import dev.oml.he.Ciphertext;
import dev.oml.he.Decryptor;
import dev.oml.he.FloodingBudget;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.MatVecLayout;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.internal.Codec;
import dev.oml.mpc.inference.internal.HeSide;
import dev.oml.mpc.inference.internal.Msg;
import dev.oml.mpc.inference.internal.Plan;
import dev.oml.mpc.inference.internal.UserProtocol;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Attack (a) of issue #14 as a component: a malformed offline query. Installed on a
 * {@link ModifiedLicensee}, it adds {@code delta X^j} to {@code c_0} of the licensee's own
 * {@code Enc_U(r)} of every stage of query {@code j} of the bundle, with
 * {@code delta = D * Q / q_answer}; the owner multiplies by its tile of {@code W_O}, floods for
 * an honest query and switches the answer down, so column {@code j} of {@code W_O} arrives as
 * {@code D * W_O[., j]} below the plaintext of each answer coefficient, while the plaintext
 * {@code W_O r - s} still decrypts exactly. {@link #recovered()} reads it with the licensee's own
 * key. The leak is in the owner's offline reply (flight 2): no online query needs to run.
 */
final class ChosenQueryAttack {
  private final ModifiedLicensee licensee;
  private final Plan plan;
  private final HeContext ctx;
  private final CiphertextSurgery surgery;
  private final MatVecLayout[] layouts;
  private final BigInteger scale;
  private final BigInteger t;
  private final BigInteger delta;
  private final BigInteger qAnswer;
  private final int answerLevel;
  private final List<List<byte[]>> answers = new ArrayList<>();
  private int n;

  /**
   * @param scale {@code D}, the column's scale at the answer modulus: far above the rounding
   *     noise there (about {@code 2^8} at N = 256), and {@code D t} far below {@code Delta / 2}
   */
  ChosenQueryAttack(ModifiedLicensee licensee, BigInteger scale) {
    this.licensee = licensee;
    this.plan = licensee.engine().plan();
    this.ctx = HeSide.context(licensee.params());
    this.surgery = new CiphertextSurgery(ctx);
    this.scale = scale;
    HeParameters he = licensee.params().he();
    this.t = BigInteger.valueOf(he.plainModulus());
    int k = plan.stageCount();
    layouts = new MatVecLayout[k];
    for (int i = 0; i < k; i++) {
      layouts[i] = ctx.coefficientMatVec().layout(plan.stage(i).rows(), plan.stage(i).cols());
    }
    // the answer level is public (the owner's budget from public sizes)
    this.answerLevel = FloodingBudget.forMatVec(he, layouts[0], licensee.params().kappa())
        .answerLevel();
    this.qAnswer = he.modulusAtLevel(answerLevel);
    this.delta = scale.multiply(he.modulusAtLevel(he.maxLevel()).divide(qAnswer));
    licensee.rewritePayload(this::malform).watchReply(this::keep);
  }

  /** The level the owner's answers arrive at. */
  int answerLevel() {
    return answerLevel;
  }

  /** Queries needed for the whole model: one per column of the widest layer. */
  int queriesNeeded() {
    int c = 0;
    for (Plan.Stage s : plan.stages()) {
      c = Math.max(c, s.cols());
    }
    return c;
  }

  /** Prepares a bundle of {@code n} malformed queries; column {@code j} rides on query j. */
  UserProtocol.Bundle prepare(TwoPartyOwner.Session session, int n) {
    this.n = n;
    answers.clear();
    return licensee.prepare(session, n);
  }

  private byte[] malform(byte[] payload) {
    int k = plan.stageCount();
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
          cts.set(j / bc, surgery.addToSeededC0(cts.get(j / bc), delta, j % bc));
        }
        HeSide.write(w, cts);
      }
    }
    w.blob(rd.blob(Msg.MAX_GC_BYTES));
    rd.end();
    return w.toByteArray();
  }

  private void keep(byte[] reply) {
    Codec.Reader rd = new Codec.Reader(reply, Msg.OFFLINE_REPLY, "attack");
    rd.u8();
    rd.blob(HeSide.MAX_OBJECT_BYTES);
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < plan.stageCount(); i++) {
        answers.add(HeSide.read(rd, layouts[i].outputCount(), "attack"));
      }
    }
  }

  /**
   * {@code W_O mod t} as read from the last bundle's answers, {@code [stage][row][column]}, with
   * -1 where the bundle revealed nothing (columns beyond its size).
   *
   * @throws IllegalStateException if an answer is not at the expected level
   */
  long[][][] recovered() {
    int k = plan.stageCount();
    long[][][] w = new long[k][][];
    for (int i = 0; i < k; i++) {
      w[i] = new long[plan.stage(i).rows()][plan.stage(i).cols()];
      for (long[] row : w[i]) {
        Arrays.fill(row, -1);
      }
    }
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
          if (c.level() != answerLevel) {
            throw new IllegalStateException("an answer at level " + c.level());
          }
          phases[o] = own.phase(c);
        }
        MatVecLayout lay = layouts[i];
        for (int r = 0; r < plan.stage(i).rows(); r++) {
          w[i][r][j] = belowPlaintext(phases[r / lay.blockRows()][lay.outputCoefficient(r)]);
        }
      }
    }
    return w;
  }

  /**
   * The centered phase is {@code round(q u / t) + D w + noise}: the nearest multiple of
   * {@code q / t} gives {@code u}, and what is left, divided by {@code D}, gives {@code w mod t}.
   */
  private long belowPlaintext(BigInteger phase) {
    BigInteger scaled = phase.multiply(t);
    BigInteger u = roundDiv(scaled, qAnswer);
    BigInteger rest = scaled.subtract(u.multiply(qAnswer));
    return roundDiv(rest, t.multiply(scale)).mod(t).longValue();
  }

  static BigInteger roundDiv(BigInteger a, BigInteger b) {
    BigInteger twiceB = b.shiftLeft(1);
    BigInteger x = a.shiftLeft(1).add(b);
    return x.signum() >= 0 ? x.divide(twiceB)
        : x.subtract(twiceB).add(BigInteger.ONE).divide(twiceB);
  }
}
