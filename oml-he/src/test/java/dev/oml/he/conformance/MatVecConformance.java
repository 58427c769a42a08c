package dev.oml.he.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
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
 * {@code t = 2^l}, kappa = 40): exact on random matrices with uniform entries, every non-output
 * coefficient masked, answers switched down, bad inputs refused.
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
  void answersAreSwitchedDownAndEveryOtherCoefficientIsFreshlyMasked() {
    CoefficientMatVec mv = ctx.coefficientMatVec();
    MatVecLayout layout = mv.layout(16, 64);
    long[] r = uniform(64, L);
    long[][] w = uniform(16, 64, L);
    long[] s = uniform(16, L);
    List<Ciphertext> query = mv.encryptQuery(ctx.encryptor(sk), layout, r);
    Ciphertext a1 = mv.answer(layout, query, w, s, pk, 40).get(0);
    Ciphertext a2 = mv.answer(layout, query, w, s, pk, 40).get(0);
    assertTrue(a1.level() < ctx.parameters().maxLevel(), "answer not switched down");
    assertTrue(query.get(0).isSeeded());
    long[] d1 = ctx.bfvEncoder().decode(ctx.decryptor(sk).decrypt(a1));
    long[] d2 = ctx.bfvEncoder().decode(ctx.decryptor(sk).decrypt(a2));
    int same = 0;
    int wanted = 0;
    for (int i = 0; i < d1.length; i++) {
      boolean isOutput = false;
      for (int row = 0; row < 16; row++) {
        isOutput |= layout.outputCoefficient(row) == i;
      }
      if (isOutput) {
        assertEquals(d1[i], d2[i]);
        wanted++;
      } else if (d1[i] == d2[i]) {
        same++;
      }
    }
    assertEquals(16, wanted);
    // Unmasked partial sums would be identical in both answers; fresh masks make them differ.
    assertTrue(same < 3, same + " non-output coefficients repeat across answers");
    // And they are not the unmasked partial sums W r of the plaintext computation either:
    // coefficient 0 of an unmasked product would be W[0][bc-1] r[0] + ... (never 0 everywhere).
    assertNotEquals(0, d1[0] | d2[0]);
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
