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

  private final FieldProducts field = new FieldProducts(7);


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
    long[][] w = field.uniform(40, 70);
    long[] r = field.uniform(70);
    long[] s = field.uniform(40);

    List<Ciphertext> query = mv.encryptQuery(sym, layout, r);
    long[] y1 = mv.decryptAnswer(dec, layout, mv.answer(layout, query, w, s, pk, 40));
    assertArrayEquals(FieldProducts.expected(w, r, s), y1);

    List<Ciphertext> tiles = mv.encryptMatrix(sym, layout, w);
    assertEquals(layout.inputCount() * layout.outputCount(), tiles.size());
    List<Ciphertext> answer = mv.answerEncryptedMatrix(layout, tiles, r, s, pk, 40);
    FloodingBudget budget = FloodingBudget.forMatVec(INSECURE_FP, layout, 40);
    for (Ciphertext c : answer) {
      assertEquals(budget.answerLevel(), c.level());
      assertTrue(c.isExtracted());
    }
    assertArrayEquals(FieldProducts.expected(w, r, s), mv.decryptAnswer(dec, layout, answer));
  }

  @Test
  void encryptedMatrixProductRefusesTilesItCannotBound() {
    HeContext ctx = HeBackends.pureJava().createContext(INSECURE_FP);
    KeyGenerator keys = ctx.keyGenerator();
    PublicKey pk = keys.createPublicKey();
    CoefficientMatVec mv = ctx.coefficientMatVec();
    MatVecLayout layout = mv.layout(4, 6);
    long[][] w = field.uniform(4, 6);
    List<Ciphertext> publicKeyTiles = new java.util.ArrayList<>();
    Encryptor asym = ctx.encryptor(pk);
    for (Ciphertext c : mv.encryptMatrix(ctx.encryptor(keys.secretKey()), layout, w)) {
      publicKeyTiles.add(asym.encrypt(ctx.bfvEncoder().encode(new long[] {1})));
    }
    assertThrows(IncompatibleOperandsException.class,
        () -> mv.answerEncryptedMatrix(layout, publicKeyTiles, field.uniform(6), field.uniform(4), pk, 40));
    assertThrows(IncompatibleOperandsException.class, () -> mv.answerEncryptedMatrix(layout,
        List.of(), field.uniform(6), field.uniform(4), pk, 40));
    assertThrows(IncompatibleOperandsException.class,
        () -> mv.encryptMatrix(asym, layout, w));
  }

  @Test
  void compactAnswersInBothDirectionsGiveTheFieldProduct() {
    HeContext ctx = HeBackends.pureJava().createContext(INSECURE_FP);
    KeyGenerator keys = ctx.keyGenerator();
    PublicKey pk = keys.createPublicKey();
    Encryptor sym = ctx.encryptor(keys.secretKey());
    Decryptor dec = ctx.decryptor(keys.secretKey());
    CoefficientMatVec mv = ctx.coefficientMatVec();
    MatVecLayout layout = mv.layout(40, 70);
    FloodingBudget budget = FloodingBudget.forMatVec(INSECURE_FP, layout, 40);
    // N = 512: 2p (N + 1) (1/2 + sum q / 2^64) is about 2^55.0 (sum q is about 2^60.1)
    assertEquals(56, budget.compactBits());
    for (int round = 0; round < 3; round++) {
      long[][] w = field.uniform(40, 70);
      long[] r = field.uniform(70);
      long[] s = field.uniform(40);
      List<CompactAnswer> a1 = mv.answerCompact(layout, mv.encryptQuery(sym, layout, r), w, s,
          pk, 40);
      assertArrayEquals(FieldProducts.expected(w, r, s), mv.decryptCompactAnswer(dec, layout, a1));
      List<CompactAnswer> a2 = mv.answerEncryptedMatrixCompact(layout,
          mv.encryptMatrix(sym, layout, w), r, s, pk, 40);
      assertEquals(layout.outputCount(), a2.size());
      List<CompactAnswer> wire = new java.util.ArrayList<>();
      for (int o = 0; o < a2.size(); o++) {
        CompactAnswer c = a2.get(o);
        assertEquals(budget.compactBits(), c.bits());
        assertEquals(Math.min(layout.blockRows(), 40 - o * layout.blockRows()), c.c0().length);
        byte[] bytes = c.encode();
        assertEquals(CompactAnswer.encodedLength(512, c.c0().length, c.bits()), bytes.length);
        CompactAnswer back = CompactAnswer.decode(bytes, 512, c.c0().length, c.bits());
        assertArrayEquals(c.c0(), back.c0());
        assertArrayEquals(c.c1(), back.c1());
        wire.add(back);
      }
      assertArrayEquals(FieldProducts.expected(w, r, s), mv.decryptCompactAnswer(dec, layout, wire));
    }
  }

  @Test
  void operandsBelowTheTopLevelGiveTheFieldProductWhereTheBudgetAllows() {
    // N = 512 over 60 + 3 x 50 bits: a 3 x 70 product floods to about 2^101, so 2p times it
    // fits below the 160 bits of level 2 but not the 110 of level 1; the top is level 3
    HeParameters four = HeParameters.builder(HeScheme.BFV).polyModulusDegree(512)
        .coeffModulusBits(60, 50, 50, 50).plainModulus(PrimeField.P)
        .encoding(BfvEncoding.COEFFICIENT).insecureForTesting().build();
    HeContext ctx = HeBackends.pureJava().createContext(four);
    KeyGenerator keys = ctx.keyGenerator();
    PublicKey pk = keys.createPublicKey();
    Encryptor sym = ctx.encryptor(keys.secretKey());
    Decryptor dec = ctx.decryptor(keys.secretKey());
    CoefficientMatVec mv = ctx.coefficientMatVec();
    MatVecLayout small = MatVecLayout.ofEncryptedMatrix(3, 70, four);
    int level = FloodingBudget.compactLevel(four, small, 40);
    assertEquals(2, level);
    assertThrows(NoiseBudgetException.class,
        () -> FloodingBudget.forMatVec(four, small, 40, 1));
    long[][] w = field.uniform(3, 70);
    long[] r = field.uniform(70);
    long[] s = field.uniform(3);
    List<Ciphertext> tiles = mv.encryptMatrix(sym, small, w, level);
    assertEquals(level, tiles.get(0).level());
    assertArrayEquals(FieldProducts.expected(w, r, s), mv.decryptCompactAnswer(dec, small,
        mv.answerEncryptedMatrixCompact(small, tiles, r, s, pk, 40)));
    MatVecLayout q = mv.layout(3, 70);
    int ql = FloodingBudget.compactLevel(four, q, 40);
    assertEquals(2, ql);
    List<Ciphertext> query = mv.encryptQuery(sym, q, r, ql);
    assertEquals(ql, query.get(0).level());
    assertArrayEquals(FieldProducts.expected(w, r, s), mv.decryptCompactAnswer(dec, q,
        mv.answerCompact(q, query, w, s, pk, 40)));
    assertEquals(2, FloodingBudget.compactLevel(INSECURE_FP, mv.layout(40, 70), 40));
  }

  @Test
  void compactAnswerDecodingRefusesOtherShapesAndPadding() {
    Random r = new Random(3);
    long[] c0 = new long[5];
    long[] c1 = new long[512];
    for (int i = 0; i < c1.length; i++) {
      c1[i] = r.nextLong() >>> 7;
      if (i < c0.length) {
        c0[i] = r.nextLong() >>> 7;
      }
    }
    byte[] b = new CompactAnswer(57, c0, c1).encode();
    assertThrows(MalformedDataException.class, () -> CompactAnswer.decode(b, 512, 6, 57));
    assertThrows(MalformedDataException.class, () -> CompactAnswer.decode(b, 512, 5, 58));
    assertThrows(MalformedDataException.class,
        () -> CompactAnswer.decode(java.util.Arrays.copyOf(b, b.length - 1), 512, 5, 57));
    byte[] padded = b.clone();
    // (5 + 512) * 57 bits leave 3 bits of padding in the last byte
    padded[padded.length - 1] |= (byte) 0x80;
    assertThrows(MalformedDataException.class, () -> CompactAnswer.decode(padded, 512, 5, 57));
    byte[] form = b.clone();
    form[0] = 0;
    assertThrows(MalformedDataException.class, () -> CompactAnswer.decode(form, 512, 5, 57));
    assertThrows(IllegalArgumentException.class,
        () -> new CompactAnswer(57, new long[] {1L << 57}, c1));
  }
}
