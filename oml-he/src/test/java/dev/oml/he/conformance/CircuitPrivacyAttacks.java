package dev.oml.he.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.BfvEncoder;
import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.Decryptor;
import dev.oml.he.Evaluator;
import dev.oml.he.FloodingBudget;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.KeyGenerator;
import dev.oml.he.MatVecLayout;
import dev.oml.he.NoiseBudgetException;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.PublicKey;
import dev.oml.he.SecretKey;
import dev.oml.he.java.internal.Modulus;
import dev.oml.he.java.internal.NttTable;
import java.math.BigInteger;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The attacks a receiver could mount on the sender's matrix, which must fail against
 * {@link CoefficientMatVec#answer}: (1) dividing the answer's second component by the query's
 * own second component, which recovers {@code W} exactly from a naive answer; (2) telling apart,
 * from the decrypted noise, which of two matrices with equal results was used, which is easy
 * without flooding and must be chance with it. The attacker's arithmetic is its own (an NTT of
 * the attacker's choosing over the exported public components and its own secret key), so a
 * native backend runs these tests unchanged. Parameters are INSECURE and small so that the
 * statistics are visible: one 60-bit prime (the answer stays at the level the sender computed
 * at), N = 256, t = 2^8, kappa = 6.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class CircuitPrivacyAttacks {
  protected abstract HeBackend backend();

  private static final int ROWS = 16;
  private static final int COLS = 16;
  private static final int KAPPA = 6;
  private HeContext ctx;
  private SecretKey sk;
  private PublicKey pk;
  private long t;
  private int n;
  private MatVecLayout layout;
  private final Random rnd = new Random(2024);

  @BeforeAll
  void setUp() {
    ctx = backend().createContext(TestParameters.INSECURE_BFV_TINY);
    KeyGenerator kg = ctx.keyGenerator();
    sk = kg.secretKey();
    pk = kg.createPublicKey();
    t = ctx.parameters().plainModulus();
    n = ctx.parameters().polyModulusDegree();
    layout = ctx.coefficientMatVec().layout(ROWS, COLS);
    assertEquals(1, layout.inputCount());
    assertEquals(1, layout.outputCount());
  }

  private long[][] randomMatrix() {
    long[][] w = new long[ROWS][COLS];
    for (long[] row : w) {
      for (int j = 0; j < COLS; j++) {
        row[j] = Math.floorMod(rnd.nextLong(), t);
      }
    }
    return w;
  }

  private long[] randomVector(int len) {
    long[] v = new long[len];
    for (int i = 0; i < len; i++) {
      v[i] = Math.floorMod(rnd.nextLong(), t);
    }
    return v;
  }

  /** The plaintext tile polynomial of the layout (public knowledge: the packing is fixed). */
  private long[] tile(long[][] w) {
    long[] p = new long[n];
    int bc = layout.blockCols();
    for (int i = 0; i < ROWS; i++) {
      for (int k = 0; k < COLS; k++) {
        p[i * bc + bc - 1 - k] = w[i][k];
      }
    }
    return p;
  }

  private long[] maskPoly(long[] s) {
    long[] m = randomVector(n);
    for (int i = 0; i < ROWS; i++) {
      m[layout.outputCoefficient(i)] = Math.floorMod(-s[i], t);
    }
    return m;
  }

  /** The attacker divides c1(answer) by c1(query) in the ring and reads centered coefficients. */
  private long[] divisionAttack(Ciphertext query, Ciphertext answer) {
    long[][][] q = ctx.exportComponents(query);
    long[][][] a = ctx.exportComponents(answer);
    long prime = ctx.parameters().coeffModulus()[0];
    Modulus m = new Modulus(prime);
    NttTable ntt = new NttTable(n, m);
    long[] den = q[1][0].clone();
    long[] num = a[1][0].clone();
    ntt.forward(den);
    ntt.forward(num);
    long[] quo = new long[n];
    for (int i = 0; i < n; i++) {
      quo[i] = m.mul(num[i], m.inv(den[i]));
    }
    ntt.inverse(quo);
    long[] w = new long[n];
    for (int i = 0; i < n; i++) {
      w[i] = Math.floorMod(m.center(quo[i]), t);
    }
    return w;
  }

  @Test
  void dividingByTheQueryRecoversWFromANaiveAnswerButNotFromOurs() {
    long[][] w = randomMatrix();
    long[] r = randomVector(COLS);
    long[] s = randomVector(ROWS);
    CoefficientMatVec mv = ctx.coefficientMatVec();
    Ciphertext query = mv.encryptQuery(ctx.encryptor(sk), layout, r).get(0);
    BfvEncoder enc = ctx.bfvEncoder();
    Evaluator ev = ctx.evaluator();
    long[] wPoly = tile(w);
    // Naive: multiply and mask the plaintext (only c0 changes), so c1 = c1(query) * W.
    Ciphertext naive = ev.addPlain(ev.multiplyPlain(query, enc.encode(wPoly)),
        enc.encode(maskPoly(s)));
    assertArrayEquals(wPoly, divisionAttack(query, naive));
    // Ours: the second component is re-randomized by a fresh public-key encryption.
    Ciphertext ours = mv.answer(layout, List.of(query), w, s, pk, KAPPA).get(0);
    long[] guess = divisionAttack(query, ours);
    int hits = 0;
    for (int i = 0; i < n; i++) {
      if (guess[i] == wPoly[i]) {
        hits++;
      }
    }
    // A random guess matches about n / t = 1 coefficient; the true W has n.
    assertTrue(hits < 12, "division recovered " + hits + " of " + n + " coefficients");
    assertArrayEquals(Oracles.matVecMinusMask(w, r, s, 8),
        mv.decryptAnswer(ctx.decryptor(sk), layout, List.of(ours)));
  }

  /** Centered value of {@code x mod q}. */
  private static BigInteger center(BigInteger x, BigInteger q) {
    BigInteger r = x.mod(q);
    return r.shiftLeft(1).compareTo(q) > 0 ? r.subtract(q) : r;
  }

  /** Noise of a ciphertext decrypting to {@code y}: {@code phase - round(Q y / t)}, centered. */
  private double[] noise(Decryptor d, Ciphertext c, long[] y) {
    BigInteger q = ctx.parameters().modulusAtLevel(c.level());
    BigInteger[] ph = d.phase(c);
    BigInteger bt = BigInteger.valueOf(t);
    double[] e = new double[n];
    for (int i = 0; i < n; i++) {
      BigInteger scaled = q.multiply(BigInteger.valueOf(y[i])).shiftLeft(1).add(bt)
          .divide(bt.shiftLeft(1));
      e[i] = center(ph[i].subtract(scaled), q).doubleValue();
    }
    return e;
  }

  /** The noise the attacker predicts for matrix tile {@code wPoly}: (e_in + eps_in) * W. */
  private static double[] predict(double[] inNoise, long[] wPoly, long t) {
    int n = wPoly.length;
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      double ei = inNoise[i];
      if (ei == 0) {
        continue;
      }
      for (int j = 0; j < n; j++) {
        long wj = wPoly[j] > t / 2 ? wPoly[j] - t : wPoly[j];
        if (wj == 0) {
          continue;
        }
        int k = i + j;
        if (k < n) {
          p[k] += ei * wj;
        } else {
          p[k - n] -= ei * wj;
        }
      }
    }
    return p;
  }

  /** Fraction of trials in which the noise-based distinguisher names the right matrix. */
  private double distinguisherAccuracy(boolean flooded, int trials) {
    CoefficientMatVec mv = ctx.coefficientMatVec();
    BfvEncoder enc = ctx.bfvEncoder();
    Evaluator ev = ctx.evaluator();
    Decryptor dec = ctx.decryptor(sk);
    BigInteger q = ctx.parameters().modulusAtLevel(ctx.parameters().maxLevel());
    int correct = 0;
    for (int trial = 0; trial < trials; trial++) {
      long[][] w0 = randomMatrix();
      long[][] w1 = new long[ROWS][];
      for (int i = 0; i < ROWS; i++) {
        w1[i] = w0[i].clone();
        w1[i][0] = (w1[i][0] + t / 2) % t; // (W1 - W0) r = (t/2) r_0 = 0 when r_0 is even
      }
      long[] r = randomVector(COLS);
      r[0] &= ~1L;
      long[] s = randomVector(ROWS);
      assertArrayEquals(Oracles.matVecMinusMask(w0, r, s, 8), Oracles.matVecMinusMask(w1, r, s, 8));
      Ciphertext query = mv.encryptQuery(ctx.encryptor(sk), layout, r).get(0);
      // The attacker knows its query's noise e_in and the rounding eps_in of round(Q r / t).
      long[] rPoly = new long[n];
      System.arraycopy(r, 0, rPoly, 0, COLS);
      double[] inNoise = noise(dec, query, rPoly);
      BigInteger bt = BigInteger.valueOf(t);
      for (int i = 0; i < n; i++) {
        BigInteger num = q.multiply(BigInteger.valueOf(rPoly[i]));
        BigInteger rounded = num.shiftLeft(1).add(bt).divide(bt.shiftLeft(1));
        inNoise[i] += new java.math.BigDecimal(rounded.multiply(bt).subtract(num))
            .divide(new java.math.BigDecimal(bt)).doubleValue();
      }
      int secret = rnd.nextInt(2);
      long[][] w = secret == 0 ? w0 : w1;
      Ciphertext answer;
      if (flooded) {
        answer = mv.answer(layout, List.of(query), w, s, pk, KAPPA).get(0);
      } else {
        // Re-randomized by a fresh public-key encryption of the mask, but not flooded.
        answer = ev.add(ev.multiplyPlain(query, enc.encode(tile(w))),
            ctx.encryptor(pk).encrypt(enc.encode(maskPoly(s))));
      }
      long[] y = enc.decode(dec.decrypt(answer));
      double[] e = noise(dec, answer, y);
      double[] p0 = predict(inNoise, tile(w0), t);
      double[] p1 = predict(inNoise, tile(w1), t);
      double d0 = 0;
      double d1 = 0;
      // Scored on the output coefficients: the only ones of the first component an answer
      // carries (an unflooded answer would give away more, which only helps the attacker).
      for (int row = 0; row < ROWS; row++) {
        int i = layout.outputCoefficient(row);
        d0 += (e[i] - p0[i]) * (e[i] - p0[i]);
        d1 += (e[i] - p1[i]) * (e[i] - p1[i]);
      }
      int guess = d0 <= d1 ? 0 : 1;
      if (guess == secret) {
        correct++;
      }
    }
    return (double) correct / trials;
  }

  @Test
  void noiseRevealsTheMatrixWithoutFloodingButNotWithIt() {
    // Chance is 1/2 (standard deviation 0.05 at 100 trials): 0.85 is seven of them above it,
    // and leaves room for a backend whose evaluation noise blurs a few trials (38/40 was seen).
    double unflooded = distinguisherAccuracy(false, 100);
    assertTrue(unflooded > 0.85, "distinguisher should win without flooding: " + unflooded);
    int trials = 200;
    double flooded = distinguisherAccuracy(true, trials);
    // Chance is 1/2 with standard deviation 0.035 at 200 trials; 0.15 is over four of them.
    assertTrue(Math.abs(flooded - 0.5) < 0.15, "flooded answers distinguishable: " + flooded);
  }

  @Test
  void kappaBelowFortyIsRefusedForSecureParameters() {
    HeParameters secure = PredefinedParameters.bfvTwoParty(20, 40);
    assertThrows(NoiseBudgetException.class, () -> FloodingBudget.forMatVec(secure, 1, 1, 39));
    FloodingBudget b = FloodingBudget.forMatVec(secure, 2, 7, 40);
    BigInteger needed = BigInteger.ONE.shiftLeft(40).multiply(BigInteger.valueOf(b.coefficientCount()))
        .multiply(b.evalBound());
    assertTrue(b.floodBound().compareTo(needed) >= 0);
    assertTrue(b.floodBound().compareTo(needed.shiftLeft(1)) < 0);
  }
}
