package dev.oml.mpc.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Layer;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.he.Ciphertext;
import dev.oml.he.HeContext;
import dev.oml.he.MatVecLayout;
import dev.oml.mpc.inference.internal.Codec;
import dev.oml.mpc.inference.internal.HeSide;
import dev.oml.mpc.inference.internal.Msg;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The privacy rules of the two-party mode, each attacked on real transcripts at INSECURE small
 * parameters (l = 16, N = 256, kappa = 6) where a statistical test can see a difference:
 * the owner's view is the same for two inputs (equal lengths, masked values uniform); everything
 * the user decodes before the output is uniform, and for two models with equal outputs the
 * user's decoded values are indistinguishable; dividing a returned product by the user's own
 * query (the c_1-division attack) recovers {@code W_O} from a naive answer but not from ours.
 */
class TwoPartyPrivacyTest {
  private static final int BINS = 16;
  /** Chi-square critical value for 15 degrees of freedom at p = 0.0001. */
  private static final double CRITICAL_15 = 44.3;
  private final Random rnd = new Random(5);

  private static LocalRun run(Model m) {
    return new LocalRun(m, TinyModels.insecure(), OutputPolicy.LOGITS, 100_000);
  }

  /** Chi-square statistic of the top four bits of l-bit values against uniform. */
  static double chiSquareTopBits(List<Long> values, int l) {
    long[] count = new long[BINS];
    for (long v : values) {
      count[(int) (v >>> (l - 4)) & (BINS - 1)]++;
    }
    double expected = (double) values.size() / BINS;
    double chi = 0;
    for (long c : count) {
      chi += (c - expected) * (c - expected) / expected;
    }
    return chi;
  }

  /** Two-sample chi-square (homogeneity) of the top four bits. */
  static double chiSquareTwoSample(List<Long> a, List<Long> b, int l) {
    long[] ca = new long[BINS];
    long[] cb = new long[BINS];
    for (long v : a) {
      ca[(int) (v >>> (l - 4)) & (BINS - 1)]++;
    }
    for (long v : b) {
      cb[(int) (v >>> (l - 4)) & (BINS - 1)]++;
    }
    double na = a.size();
    double nb = b.size();
    double chi = 0;
    for (int k = 0; k < BINS; k++) {
      double tot = ca[k] + cb[k];
      if (tot == 0) {
        continue;
      }
      double ea = tot * na / (na + nb);
      double eb = tot * nb / (na + nb);
      chi += (ca[k] - ea) * (ca[k] - ea) / ea + (cb[k] - eb) * (cb[k] - eb) / eb;
    }
    return chi;
  }

  /** One-bits and all bits of the OT derandomization requests the owner received. */
  private final long[] requestBits = new long[2];

  /** The owner's online view of {@code queries} queries on {@code input}: masked vectors. */
  private List<Long> ownersView(LocalRun run, long[] input, int queries, List<Integer> lengths) {
    requestBits[0] = 0;
    requestBits[1] = 0;
    TwoPartyOwner.Session s = run.owner.newSession();
    PreparedBundle b = run.prepare(s, queries);
    for (byte[] m : run.offline) {
      lengths.add(m.length);
    }
    List<Long> masked = new ArrayList<>();
    int l = run.model.format().ringBits();
    for (int k = 0; k < queries; k++) {
      run.infer(s, b, input);
      for (int st = 0; st < run.online.size(); st += 2) {
        byte[] m = run.online.get(st);
        lengths.add(m.length);
        Codec.Reader rd = new Codec.Reader(m, Msg.STEP, "test");
        rd.u32();
        int stage = rd.u8();
        for (long v : rd.ring(new int[] {8, 6, 4}[stage], l)) {
          masked.add(v);
        }
        byte[] request = rd.blob(1 << 20);
        // after the request's type byte, little-endian words; only the first rows * l bits are
        // real (the rest is zero padding)
        int real = request.length == 0 ? 0 : new int[] {6, 4, 0}[stage] * l;
        for (int x = 0; x < real; x++) {
          requestBits[0] += (request[1 + x / 8] >> (x % 8)) & 1;
          requestBits[1]++;
        }
      }
    }
    return masked;
  }

  @Test
  void theOwnersViewIsTheSameForTwoInputs() {
    LocalRun run = run(TinyModels.mlp(TinyModels.SMALL, 41, false));
    int l = TinyModels.SMALL.ringBits();
    long[] zeros = new long[8];
    long[] image = run.encode(TinyModels.input(rnd, 8));
    List<Integer> lenA = new ArrayList<>();
    List<Integer> lenB = new ArrayList<>();
    List<Long> a = ownersView(run, zeros, 40, lenA);
    double onesA = (double) requestBits[0] / requestBits[1];
    List<Long> b = ownersView(run, image, 40, lenB);
    double onesB = (double) requestBits[0] / requestBits[1];
    // x xor c with uniform random-OT choices c: half the bits are ones, whatever x is (all-zero
    // shares would otherwise show); 0.03 is about four standard deviations at 6400 bits
    assertTrue(Math.abs(onesA - 0.5) < 0.03, "OT requests for zeros: " + onesA);
    assertTrue(Math.abs(onesB - 0.5) < 0.03, "OT requests for an image: " + onesB);
    assertEquals(lenA, lenB, "message lengths depend on the input");
    assertTrue(chiSquareTopBits(a, l) < CRITICAL_15, "masked zeros not uniform");
    assertTrue(chiSquareTopBits(b, l) < CRITICAL_15, "masked input not uniform");
    assertTrue(chiSquareTwoSample(a, b, l) < CRITICAL_15, "two inputs distinguishable");
    // the test has power: the unmasked inputs themselves fail it
    List<Long> raw = new ArrayList<>();
    for (int k = 0; k < 40; k++) {
      for (long v : run.encode(TinyModels.input(rnd, 8))) {
        raw.add(v);
      }
    }
    assertTrue(chiSquareTopBits(raw, l) > CRITICAL_15);
  }

  /** Everything the user decodes for {@code queries} queries, by kind. */
  private static java.util.Map<String, List<Long>> usersView(LocalRun run, long[] input,
      int queries) {
    java.util.Map<String, List<Long>> seen = new java.util.HashMap<>();
    run.user.protocol().recordViewTo((what, q, stage, values) -> {
      List<Long> list = seen.computeIfAbsent(what, k -> new ArrayList<>());
      for (long v : values) {
        list.add(v);
      }
    });
    TwoPartyOwner.Session s = run.owner.newSession();
    PreparedBundle b = run.prepare(s, queries);
    for (int k = 0; k < queries; k++) {
      run.infer(s, b, input);
    }
    return seen;
  }

  @Test
  void everythingTheUserDecodesBeforeTheOutputIsUniform() {
    LocalRun run = run(TinyModels.mlp(TinyModels.SMALL, 42, false));
    int l = TinyModels.SMALL.ringBits();
    var seen = usersView(run, run.encode(TinyModels.input(rnd, 8)), 40);
    assertTrue(seen.get("cross").size() >= 40 * 13);
    assertTrue(seen.get("share").size() >= 40 * 10);
    assertTrue(chiSquareTopBits(seen.get("cross"), l) < CRITICAL_15, "W_O r - s not uniform");
    assertTrue(chiSquareTopBits(seen.get("share"), l) < CRITICAL_15, "shares not uniform");
  }

  /** Dense 8-6 ReLU Dense 6-3; {@code variant} changes column 0 of the first matrix only. */
  private static Model twin(int variant) {
    Random r = new Random(99);
    double[] w1 = TinyModels.weights(r, 48, 0.9);
    if (variant == 1) {
      for (int row = 0; row < 6; row++) {
        w1[row * 8] = -w1[row * 8] / 2 + 0.25;
      }
    }
    List<Layer> layers = List.of(new Dense(8, 6, w1, TinyModels.weights(r, 6, 0.5)), new ReLU(),
        new Dense(6, 3, TinyModels.weights(r, 18, 0.9), TinyModels.weights(r, 3, 0.5)));
    return Model.of("twin" + variant, Shape.vector(8), layers, TinyModels.SMALL, 2);
  }

  @Test
  void theUsersViewForTwoModelsWithEqualOutputsIsIndistinguishable() {
    double[] x = TinyModels.input(rnd, 8);
    x[0] = 0; // the models differ only where the input is zero
    LocalRun r0 = run(twin(0));
    LocalRun r1 = run(twin(1));
    long[] enc = r0.encode(x);
    assertArrayEquals(r0.reference.logits(enc), r1.reference.logits(enc));
    int l = TinyModels.SMALL.ringBits();
    var v0 = usersView(r0, enc, 40);
    var v1 = usersView(r1, enc, 40);
    for (String kind : List.of("cross", "share")) {
      assertEquals(v0.get(kind).size(), v1.get(kind).size());
      assertTrue(chiSquareTwoSample(v0.get(kind), v1.get(kind), l) < CRITICAL_15,
          kind + " distinguishes the models");
    }
    // the outputs, which the user is meant to learn, are equal
    List<Long> out0 = new ArrayList<>();
    List<Long> out1 = new ArrayList<>();
    TwoPartyOwner.Session s0 = r0.owner.newSession();
    TwoPartyOwner.Session s1 = r1.owner.newSession();
    assertArrayEquals(r0.infer(s0, r0.prepare(s0, 1), enc).logits(),
        r1.infer(s1, r1.prepare(s1, 1), enc).logits());
    assertEquals(out0, out1);
  }

  @Test
  void dividingAReturnedProductByTheUsersOwnQueryDoesNotRevealTheOwnersShare() {
    LocalRun run = run(TinyModels.mlp(TinyModels.SMALL, 43, false));
    TwoPartyOwner.Session s = run.owner.newSession();
    run.prepare(s, 1);
    HeContext ctx = HeSide.context(run.params);
    MatVecLayout layout = ctx.coefficientMatVec().layout(6, 8);
    // the user's query Enc_U(r) for stage 0, and the owner's answer, from the transcript
    byte[] payload = PermittedQuery.decode(run.offline.get(0)).payload();
    Codec.Reader q = new Codec.Reader(payload, Msg.OFFLINE_REQUEST, "test");
    q.u8();
    q.bytes(65);
    q.u32();
    q.blob(HeSide.MAX_OBJECT_BYTES);
    Ciphertext query = ctx.serializer().loadCiphertext(HeSide.read(q, 1, "test").get(0));
    Codec.Reader a = new Codec.Reader(run.offline.get(1), Msg.OFFLINE_REPLY, "test");
    a.u8();
    a.blob(HeSide.MAX_OBJECT_BYTES);
    Ciphertext answer = ctx.serializer().loadCiphertext(HeSide.read(a, 1, "test").get(0));
    assertEquals(query.level(), answer.level(), "one prime: no switching hides the relation");

    long t = 1L << 16;
    int n = 256;
    long[] wo = run.oml.keyShare().matrixShare(0, SecretAccess.get());
    long[] tile = new long[n];
    int bc = layout.blockCols();
    for (int i = 0; i < 6; i++) {
      for (int k = 0; k < 8; k++) {
        tile[i * bc + bc - 1 - k] = wo[i * 8 + k];
      }
    }
    // the attack works on a naive answer (plaintext product, mask added to c_0 only)...
    Ciphertext naive = ctx.evaluator().multiplyPlain(query, ctx.bfvEncoder().encode(tile));
    assertArrayEquals(tile, divide(ctx, query, naive, t));
    // ...and fails on the protocol's re-randomized, flooded answer
    long[] guess = divide(ctx, query, answer, t);
    int hits = 0;
    for (int i = 0; i < n; i++) {
      hits += guess[i] == tile[i] ? 1 : 0;
    }
    assertTrue(hits < 8, "division recovered " + hits + " of " + n + " coefficients");
  }

  /**
   * The attacker's own arithmetic: {@code c_1(answer) / c_1(query)} in {@code Z_q[X]/(X^N + 1)}
   * by evaluation at the odd powers of a primitive {@code 2N}-th root of unity (quadratic time,
   * plain big integers), read as centered coefficients mod {@code t}.
   */
  private static long[] divide(HeContext ctx, Ciphertext query, Ciphertext answer, long t) {
    long[][][] qc = ctx.exportComponents(query);
    long[][][] ac = ctx.exportComponents(answer);
    java.math.BigInteger q = java.math.BigInteger.valueOf(ctx.parameters().coeffModulus()[0]);
    int n = ctx.parameters().polyModulusDegree();
    java.math.BigInteger psi = rootOfUnity(q, n);
    java.math.BigInteger[] den = evaluate(qc[1][0], psi, q, n);
    java.math.BigInteger[] num = evaluate(ac[1][0], psi, q, n);
    java.math.BigInteger[] quo = new java.math.BigInteger[n];
    for (int i = 0; i < n; i++) {
      quo[i] = num[i].multiply(den[i].modInverse(q)).mod(q);
    }
    java.math.BigInteger psiInv = psi.modInverse(q);
    java.math.BigInteger nInv = java.math.BigInteger.valueOf(n).modInverse(q);
    java.math.BigInteger[] y = new java.math.BigInteger[n];
    java.math.BigInteger[] pow = new java.math.BigInteger[n];
    for (int i = 0; i < n; i++) {
      y[i] = psiInv.modPow(java.math.BigInteger.valueOf(2L * i + 1), q);
      pow[i] = java.math.BigInteger.ONE;
    }
    long[] w = new long[n];
    java.math.BigInteger half = q.shiftRight(1);
    for (int j = 0; j < n; j++) {
      java.math.BigInteger acc = java.math.BigInteger.ZERO;
      for (int i = 0; i < n; i++) {
        acc = acc.add(quo[i].multiply(pow[i]));
        pow[i] = pow[i].multiply(y[i]).mod(q);
      }
      java.math.BigInteger c = acc.multiply(nInv).mod(q);
      if (c.compareTo(half) > 0) {
        c = c.subtract(q);
      }
      w[j] = Math.floorMod(c.longValue(), t);
    }
    return w;
  }

  private static java.math.BigInteger rootOfUnity(java.math.BigInteger q, int n) {
    java.math.BigInteger exp = q.subtract(java.math.BigInteger.ONE)
        .divide(java.math.BigInteger.valueOf(2L * n));
    java.math.BigInteger minusOne = q.subtract(java.math.BigInteger.ONE);
    for (long g = 2; ; g++) {
      java.math.BigInteger psi = java.math.BigInteger.valueOf(g).modPow(exp, q);
      if (psi.modPow(java.math.BigInteger.valueOf(n), q).equals(minusOne)) {
        return psi;
      }
    }
  }

  private static java.math.BigInteger[] evaluate(long[] a, java.math.BigInteger psi,
      java.math.BigInteger q, int n) {
    java.math.BigInteger[] out = new java.math.BigInteger[n];
    for (int i = 0; i < n; i++) {
      java.math.BigInteger x = psi.modPow(java.math.BigInteger.valueOf(2L * i + 1), q);
      java.math.BigInteger acc = java.math.BigInteger.ZERO;
      for (int j = n - 1; j >= 0; j--) {
        acc = acc.multiply(x).add(java.math.BigInteger.valueOf(a[j])).mod(q);
      }
      out[i] = acc;
    }
    return out;
  }
}
