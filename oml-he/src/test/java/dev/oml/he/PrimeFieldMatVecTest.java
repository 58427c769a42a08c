package dev.oml.he;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.PrimeField;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * BFV with the prime plain modulus {@code p = PrimeField.P} and coefficient encoding: the
 * matrix-vector product in both directions (vector encrypted, or matrix encrypted) decrypts to
 * {@code W r - s mod p}, checked against the plain product in {@code F_p}.
 */
class PrimeFieldMatVecTest {
  /** INSECURE: N = 512 for speed; the same shape of modulus chain as the standard set. */
  static final HeParameters INSECURE_FP = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(512).coeffModulusBits(60, 50, 50).plainModulus(PrimeField.P)
      .encoding(BfvEncoding.COEFFICIENT).insecureForTesting().build();

  private final Random rnd = new Random(7);

  private long[] uniform(int n) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = Math.floorMod(rnd.nextLong(), PrimeField.P);
    }
    return v;
  }

  private long[][] uniform(int rows, int cols) {
    long[][] w = new long[rows][];
    for (int i = 0; i < rows; i++) {
      w[i] = uniform(cols);
    }
    return w;
  }

  private static long[] expected(long[][] w, long[] r, long[] s) {
    long[] flat = new long[w.length * r.length];
    for (int i = 0; i < w.length; i++) {
      System.arraycopy(w[i], 0, flat, i * r.length, r.length);
    }
    return PrimeField.sub(PrimeField.matVec(flat, w.length, r, null), s, null);
  }

  @Test
  void parametersAcceptThePrimeAsPlainModulus() {
    assertEquals(PrimeField.P, INSECURE_FP.plainModulus());
    assertEquals(-1, INSECURE_FP.plainModulusLog2());
    assertTrue(INSECURE_FP.name().contains("INSECURE"));
    HeParameters standard = PredefinedParameters.bfvPrimeField(40);
    assertEquals(PrimeField.P, standard.plainModulus());
    assertTrue(standard.totalModulusBits() <= 218);
    assertTrue(!standard.isInsecure());
  }

  @Test
  void encryptedVectorAndEncryptedMatrixBothGiveTheFieldProduct() {
    HeContext ctx = HeBackends.pureJava().createContext(INSECURE_FP);
    KeyGenerator keys = ctx.keyGenerator();
    PublicKey pk = keys.createPublicKey();
    Encryptor sym = ctx.encryptor(keys.secretKey());
    Decryptor dec = ctx.decryptor(keys.secretKey());
    CoefficientMatVec mv = ctx.coefficientMatVec();
    // 40 x 70 at N = 512 needs several input blocks and several output blocks.
    MatVecLayout layout = mv.layout(40, 70);
    assertTrue(layout.inputCount() > 1 && layout.outputCount() > 1, layout.toString());
    long[][] w = uniform(40, 70);
    long[] r = uniform(70);
    long[] s = uniform(40);

    List<Ciphertext> query = mv.encryptQuery(sym, layout, r);
    long[] y1 = mv.decryptAnswer(dec, layout, mv.answer(layout, query, w, s, pk, 40));
    assertArrayEquals(expected(w, r, s), y1);

    List<Ciphertext> tiles = mv.encryptMatrix(sym, layout, w);
    assertEquals(layout.inputCount() * layout.outputCount(), tiles.size());
    List<Ciphertext> answer = mv.answerEncryptedMatrix(layout, tiles, r, s, pk, 40);
    FloodingBudget budget = FloodingBudget.forMatVec(INSECURE_FP, layout, 40);
    for (Ciphertext c : answer) {
      assertEquals(budget.answerLevel(), c.level());
      assertTrue(c.isExtracted());
    }
    assertArrayEquals(expected(w, r, s), mv.decryptAnswer(dec, layout, answer));
  }

  @Test
  void encryptedMatrixProductRefusesTilesItCannotBound() {
    HeContext ctx = HeBackends.pureJava().createContext(INSECURE_FP);
    KeyGenerator keys = ctx.keyGenerator();
    PublicKey pk = keys.createPublicKey();
    CoefficientMatVec mv = ctx.coefficientMatVec();
    MatVecLayout layout = mv.layout(4, 6);
    long[][] w = uniform(4, 6);
    List<Ciphertext> publicKeyTiles = new java.util.ArrayList<>();
    Encryptor asym = ctx.encryptor(pk);
    for (Ciphertext c : mv.encryptMatrix(ctx.encryptor(keys.secretKey()), layout, w)) {
      publicKeyTiles.add(asym.encrypt(ctx.bfvEncoder().encode(new long[] {1})));
    }
    assertThrows(IncompatibleOperandsException.class,
        () -> mv.answerEncryptedMatrix(layout, publicKeyTiles, uniform(6), uniform(4), pk, 40));
    assertThrows(IncompatibleOperandsException.class, () -> mv.answerEncryptedMatrix(layout,
        List.of(), uniform(6), uniform(4), pk, 40));
    assertThrows(IncompatibleOperandsException.class,
        () -> mv.encryptMatrix(asym, layout, w));
  }

}
