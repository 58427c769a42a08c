package dev.oml.he.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.HeSerializer;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.KeyGenerator;
import dev.oml.he.MatVecLayout;
import dev.oml.he.NoiseBudgetException;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.PublicKey;
import dev.oml.he.SecretKey;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The coefficient-encoded matrix-vector product at the two-party parameters (N = 8192,
 * {@code t = 2^l}, kappa = 40): exact on random matrices with uniform entries, answers switched
 * down and reduced to their outputs, bad inputs refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class MatVecConformance {
  protected abstract HeBackend backend();

  static final int L = 37;
  private HeContext ctx;
  private SecretKey sk;
  private PublicKey pk;
  private final Random rnd = new Random(99);

  @BeforeAll
  void setUp() {
    ctx = backend().createContext(PredefinedParameters.bfvTwoParty(L, 40));
    KeyGenerator kg = ctx.keyGenerator();
    sk = kg.secretKey();
    pk = kg.createPublicKey();
  }

  private long[] uniform(int n, int bits) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextLong() & ((1L << bits) - 1);
    }
    return v;
  }

  private long[][] uniform(int rows, int cols, int bits) {
    long[][] w = new long[rows][];
    for (int i = 0; i < rows; i++) {
      w[i] = uniform(cols, bits);
    }
    return w;
  }

  private void checkExact(int rows, int cols) {
    CoefficientMatVec mv = ctx.coefficientMatVec();
    MatVecLayout layout = mv.layout(rows, cols);
    long[] r = uniform(cols, L);
    long[][] w = uniform(rows, cols, L);
    long[] s = uniform(rows, L);
    List<Ciphertext> query = mv.encryptQuery(ctx.encryptor(sk), layout, r);
    assertEquals(layout.inputCount(), query.size());
    List<Ciphertext> answer = mv.answer(layout, query, w, s, pk, 40);
    assertEquals(layout.outputCount(), answer.size());
    assertArrayEquals(Oracles.matVecMinusMask(w, r, s, L),
        mv.decryptAnswer(ctx.decryptor(sk), layout, answer), layout.toString());
  }

  @Test
  void exactFor784To128() {
    checkExact(128, 784);
  }

  @Test
  void exactFor128To128() {
    checkExact(128, 128);
  }

  @Test
  void exactForTallAndOddShapes() {
    checkExact(845, 100);
    checkExact(10, 845);
    checkExact(1, 1);
  }

  @Test
  void answersAreSwitchedDownExtractedAndSurviveSerialization() {
    CoefficientMatVec mv = ctx.coefficientMatVec();
    MatVecLayout layout = mv.layout(16, 64);
    long[] r = uniform(64, L);
    long[][] w = uniform(16, 64, L);
    long[] s = uniform(16, L);
    List<Ciphertext> query = mv.encryptQuery(ctx.encryptor(sk), layout, r);
    assertTrue(query.get(0).isSeeded());
    Ciphertext a1 = mv.answer(layout, query, w, s, pk, 40).get(0);
    assertTrue(a1.level() < ctx.parameters().maxLevel(), "answer not switched down");
    assertTrue(a1.isExtracted());
    // Only the 16 outputs of the first component travel: about half a full ciphertext.
    HeSerializer ser = ctx.serializer();
    byte[] bytes = ser.save(a1);
    Ciphertext full = ctx.evaluator().modSwitchTo(
        ctx.encryptor(pk).encrypt(ctx.bfvEncoder().encode(new long[0])), a1.level());
    assertTrue(bytes.length < 0.55 * ser.savedSize(full), bytes.length + " bytes");
    Ciphertext back = ser.loadCiphertext(bytes);
    assertTrue(back.isExtracted());
    assertArrayEquals(Oracles.matVecMinusMask(w, r, s, L),
        mv.decryptAnswer(ctx.decryptor(sk), layout, List.of(back)));
    // An extracted answer is for decryption only.
    assertThrows(IncompatibleOperandsException.class, () -> ctx.evaluator().add(a1, a1));
    // Two answers to the same query differ everywhere the receiver can look except the outputs
    // (fresh public-key randomness and flooding).
    Ciphertext a2 = mv.answer(layout, query, w, s, pk, 40).get(0);
    long[][][] x1 = ctx.exportComponents(a1);
    long[][][] x2 = ctx.exportComponents(a2);
    int same = 0;
    for (int i = 0; i < x1[1][0].length; i++) {
      if (x1[1][0][i] == x2[1][0][i]) {
        same++;
      }
    }
    assertTrue(same < 3);
  }

  @Test
  void exactAtTheLargestRingSixtyBits() {
    HeContext big = backend().createContext(PredefinedParameters.bfvTwoParty(60, 40));
    KeyGenerator kg = big.keyGenerator();
    CoefficientMatVec mv = big.coefficientMatVec();
    MatVecLayout layout = mv.layout(64, 200);
    long[] r = uniform(200, 60);
    long[][] w = uniform(64, 200, 60);
    long[] s = uniform(64, 60);
    List<Ciphertext> answer = mv.answer(layout,
        mv.encryptQuery(big.encryptor(kg.secretKey()), layout, r), w, s, kg.createPublicKey(), 40);
    assertEquals(1, answer.get(0).level());
    assertArrayEquals(Oracles.matVecMinusMask(w, r, s, 60),
        mv.decryptAnswer(big.decryptor(kg.secretKey()), layout, answer));
  }

  @Test
  void twoPartiesWithTheirOwnContextsOverBytes() {
    // Receiver and sender each build their own context from the same public parameters;
    // only bytes cross between them: the receiver's public key, the query, the answer.
    HeParameters params = PredefinedParameters.bfvTwoParty(L, 40);
    HeContext receiver = backend().createContext(params);
    HeContext sender = backend().createContext(params);
    KeyGenerator kg = receiver.keyGenerator();
    byte[] pkBytes = receiver.serializer().save(kg.createPublicKey());
    CoefficientMatVec rmv = receiver.coefficientMatVec();
    MatVecLayout layout = rmv.layout(100, 300);
    long[] r = uniform(300, L);
    List<byte[]> queryBytes = new java.util.ArrayList<>();
    for (Ciphertext c : rmv.encryptQuery(receiver.encryptor(kg.secretKey()), layout, r)) {
      queryBytes.add(receiver.serializer().save(c));
    }
    long[][] w = uniform(100, 300, L);
    long[] s = uniform(100, L);
    List<Ciphertext> query = new java.util.ArrayList<>();
    for (byte[] b : queryBytes) {
      query.add(sender.serializer().loadCiphertext(b));
    }
    CoefficientMatVec smv = sender.coefficientMatVec();
    List<byte[]> answerBytes = new java.util.ArrayList<>();
    for (Ciphertext c : smv.answer(smv.layout(100, 300), query, w, s,
        sender.serializer().loadPublicKey(pkBytes), 40)) {
      answerBytes.add(sender.serializer().save(c));
    }
    List<Ciphertext> answer = new java.util.ArrayList<>();
    for (byte[] b : answerBytes) {
      answer.add(receiver.serializer().loadCiphertext(b));
    }
    assertArrayEquals(Oracles.matVecMinusMask(w, r, s, L),
        rmv.decryptAnswer(receiver.decryptor(kg.secretKey()), layout, answer));
  }

  @Test
  void oneContextServesSeveralThreads() throws Exception {
    CoefficientMatVec mv = ctx.coefficientMatVec();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
    try {
      List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
      for (int task = 0; task < 6; task++) {
        long seed = task;
        results.add(pool.submit(() -> {
          Random local = new Random(seed);
          MatVecLayout layout = mv.layout(20, 50);
          long[] r = new long[50];
          long[][] w = new long[20][50];
          long[] s = new long[20];
          for (int j = 0; j < 50; j++) {
            r[j] = local.nextLong() & ((1L << L) - 1);
          }
          for (int i = 0; i < 20; i++) {
            s[i] = local.nextLong() & ((1L << L) - 1);
            for (int j = 0; j < 50; j++) {
              w[i][j] = local.nextLong() & ((1L << L) - 1);
            }
          }
          List<Ciphertext> answer = mv.answer(layout,
              mv.encryptQuery(ctx.encryptor(sk), layout, r), w, s, pk, 40);
          return java.util.Arrays.equals(Oracles.matVecMinusMask(w, r, s, L),
              mv.decryptAnswer(ctx.decryptor(sk), layout, answer));
        }));
      }
      for (java.util.concurrent.Future<Boolean> f : results) {
        assertTrue(f.get());
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void wrongShapesAndForeignObjectsAreRefused() {
    CoefficientMatVec mv = ctx.coefficientMatVec();
    MatVecLayout layout = mv.layout(4, 8);
    List<Ciphertext> query = mv.encryptQuery(ctx.encryptor(sk), layout, uniform(8, L));
    assertThrows(IllegalArgumentException.class,
        () -> mv.answer(layout, query, uniform(3, 8, L), uniform(4, L), pk, 40));
    HeContext other = backend().createContext(TestParameters.INSECURE_BFV_COEFF);
    PublicKey foreignPk = other.keyGenerator().createPublicKey();
    assertThrows(ContextMismatchException.class,
        () -> mv.answer(layout, query, uniform(4, 8, L), uniform(4, L), foreignPk, 40));
    assertThrows(NoiseBudgetException.class,
        () -> mv.answer(layout, query, uniform(4, 8, L), uniform(4, L), pk, 39));
    // A public-key encryption has more noise than the budget assumes: refused as a query.
    List<Ciphertext> notFresh = List.of(ctx.encryptor(pk).encrypt(ctx.bfvEncoder().encode(uniform(8, L))));
    assertThrows(IncompatibleOperandsException.class,
        () -> mv.answer(layout, notFresh, uniform(4, 8, L), uniform(4, L), pk, 40));
  }

  @Test
  void parametersThatCannotFloodAreRefusedAtBuild() {
    // N = 8192 with only 120 bits of modulus cannot hide 2^37-sized products at kappa = 40.
    assertThrows(NoiseBudgetException.class, () -> HeParameters.builder(dev.oml.he.HeScheme.BFV)
        .polyModulusDegree(8192).coeffModulusBits(60, 60).plainModulusPowerOfTwo(L)
        .circuitPrivacy(40, 2, 7).build());
    HeParameters ok = PredefinedParameters.bfvTwoParty(60, 40);
    assertFalse(ok.isInsecure());
  }
}
