package dev.oml.he.seal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.PrimeField;
import dev.oml.he.BfvEncoding;
import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.CompactAnswer;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.FloodingBudget;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.HeException;
import dev.oml.he.FieldProducts;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.KeyGenerator;
import dev.oml.he.MatVecLayout;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tier-2 offline step's products with the licensee on SEAL and the owner on pure Java: the
 * owner's seeded ciphertexts and public key cross in the pure-Java wire format, SEAL imports
 * them, computes the compact answers, and the owner's pure-Java decryption gives exactly
 * {@code W r - s mod p}, the plain product in {@code F_p} (the oracle), as the pure-Java
 * licensee's answers do.
 */
@RequiresSeal
class SealCompactAnswerTest {
  /** INSECURE: N = 512 for speed, the standard set's shape of modulus chain. */
  private static final HeParameters INSECURE_FP = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(512).coeffModulusBits(60, 50, 50, 50).plainModulus(PrimeField.P)
      .encoding(BfvEncoding.COEFFICIENT).insecureForTesting().build();

  private final FieldProducts field = new FieldProducts(11);


  /** The owner (pure Java) and both licensees' contexts, with the key crossing the wire. */
  private static final class Parties {
    final HeContext owner;
    final HeContext seal;
    final Encryptor sym;
    final Decryptor dec;
    final PublicKey javaKey;
    final PublicKey sealKey;

    Parties(HeParameters params) {
      owner = HeBackends.pureJava().createContext(params);
      seal = HeBackends.seal().createContext(params);
      KeyGenerator keys = owner.keyGenerator();
      sym = owner.encryptor(keys.secretKey());
      dec = owner.decryptor(keys.secretKey());
      javaKey = owner.serializer().loadPublicKey(
          owner.serializer().save(keys.createPublicKey()));
      sealKey = seal.importPublicKey(owner.exportPublicKey(javaKey));
    }

    // whether operands cross in NTT form (importOperandNtt) or in coefficient form
    boolean ntt;

    /** As the licensee receives them: the pure-Java bytes, loaded, then imported to SEAL. */
    List<Ciphertext> toSeal(List<Ciphertext> cts) {
      List<Ciphertext> out = new ArrayList<>();
      for (Ciphertext c : cts) {
        Ciphertext loaded = owner.serializer().loadCiphertext(owner.serializer().save(c));
        assertTrue(loaded.isSeeded());
        out.add(ntt ? seal.importOperandNtt(owner.exportNttComponents(loaded), loaded.level())
            : seal.importOperand(owner.exportComponents(loaded), loaded.level()));
      }
      return out;
    }

    /** Through the wire format of a compact answer, as the owner receives it. */
    long[] decrypt(MatVecLayout layout, List<CompactAnswer> answer, int bits) {
      List<CompactAnswer> received = new ArrayList<>();
      int br = layout.blockRows();
      for (int o = 0; o < answer.size(); o++) {
        int kept = Math.min(br, layout.rows() - o * br);
        received.add(CompactAnswer.decode(answer.get(o).encode(),
            layout.polyModulusDegree(), kept, bits));
      }
      return owner.coefficientMatVec().decryptCompactAnswer(dec, layout, received);
    }
  }

  private void bothDirections(HeParameters params, int rows, int cols) {
    bothDirections(params, rows, cols, false);
  }

  private void bothDirections(HeParameters params, int rows, int cols, boolean ntt) {
    Parties p = new Parties(params);
    p.ntt = ntt;
    CoefficientMatVec java = p.owner.coefficientMatVec();
    CoefficientMatVec seal = p.seal.coefficientMatVec();
    long[][] w = field.uniform(rows, cols);
    long[] r = field.uniform(cols);
    long[] s = field.uniform(rows);
    long[] want = FieldProducts.expected(w, r, s);

    // direction 1: the owner encrypts the matrix, the licensee holds r
    MatVecLayout l1 = MatVecLayout.ofEncryptedMatrix(rows, cols, params);
    int level1 = FloodingBudget.compactLevel(params, l1, 40);
    assertTrue(level1 >= 0, "no compact level for " + l1);
    int bits1 = FloodingBudget.forMatVec(params, l1, 40, level1).compactBits();
    List<Ciphertext> tiles = java.encryptMatrix(p.sym, l1, w, level1);
    List<CompactAnswer> a1 = seal.answerEncryptedMatrixCompact(l1, p.toSeal(tiles), r, s,
        p.sealKey, 40);
    assertEquals(l1.outputCount(), a1.size());
    assertEquals(bits1, a1.get(0).bits());
    assertArrayEquals(want, p.decrypt(l1, a1, bits1));
    assertArrayEquals(want, p.decrypt(l1,
        java.answerEncryptedMatrixCompact(l1, tiles, r, s, p.javaKey, 40), bits1));

    // direction 2: the owner encrypts the vector, the licensee holds the matrix
    MatVecLayout l2 = java.layout(rows, cols);
    int level2 = FloodingBudget.compactLevel(params, l2, 40);
    assertTrue(level2 >= 0, "no compact level for " + l2);
    int bits2 = FloodingBudget.forMatVec(params, l2, 40, level2).compactBits();
    List<Ciphertext> query = java.encryptQuery(p.sym, l2, r, level2);
    List<CompactAnswer> a2 = seal.answerCompact(l2, p.toSeal(query), w, s, p.sealKey, 40);
    assertArrayEquals(want, p.decrypt(l2, a2, bits2));
    assertArrayEquals(want, p.decrypt(l2,
        java.answerCompact(l2, query, w, s, p.javaKey, 40), bits2));
  }

  @Test
  void sealLicenseeAnswersDecryptToTheFieldProductUnderThePureJavaOwner() {
    // several input and output blocks at N = 512
    bothDirections(INSECURE_FP, 40, 70);
    bothDirections(INSECURE_FP, 3, 500);
  }

  /**
   * The operands imported in NTT form, the residues as the pure-Java engine holds them: the
   * products still decrypt to the field product, so both engines' NTTs put the same evaluation
   * at each index of each prime (a different order or root would scramble every coefficient).
   */
  @Test
  void operandsImportedInNttFormGiveTheSameProducts() {
    bothDirections(INSECURE_FP, 40, 70, true);
    bothDirections(INSECURE_FP, 3, 500, true);
  }

  @Test
  void anNttResidueNotBelowItsPrimeIsRefused() {
    Parties p = new Parties(INSECURE_FP);
    MatVecLayout l = p.owner.coefficientMatVec().layout(3, 10);
    Ciphertext c = p.owner.coefficientMatVec().encryptQuery(p.sym, l, field.uniform(10), 1)
        .get(0);
    long[][][] bad = p.owner.exportNttComponents(c);
    bad[1][0][7] = INSECURE_FP.coeffModulus()[0];
    assertThrows(HeException.class, () -> p.seal.importOperandNtt(bad, 1));
    assertThrows(IllegalArgumentException.class,
        () -> p.seal.importOperandNtt(p.owner.exportNttComponents(c), 9));
  }

  @Test
  void networkAFirstLayerAtTheStandardParameters() {
    HeParameters standard = PredefinedParameters.bfvPrimeField(40);
    bothDirections(standard, 128, 784);
  }

  @Test
  void answersAreFreshlyRandomized() {
    Parties p = new Parties(INSECURE_FP);
    MatVecLayout l = MatVecLayout.ofEncryptedMatrix(20, 30, INSECURE_FP);
    int level = FloodingBudget.compactLevel(INSECURE_FP, l, 40);
    long[][] w = field.uniform(20, 30);
    long[] r = field.uniform(30);
    long[] s = field.uniform(20);
    List<Ciphertext> tiles = p.toSeal(p.owner.coefficientMatVec().encryptMatrix(p.sym, l, w,
        level));
    CoefficientMatVec seal = p.seal.coefficientMatVec();
    CompactAnswer x = seal.answerEncryptedMatrixCompact(l, tiles, r, s, p.sealKey, 40).get(0);
    CompactAnswer y = seal.answerEncryptedMatrixCompact(l, tiles, r, s, p.sealKey, 40).get(0);
    // same operands, same plaintext: the fresh Enc_pk(0), masks and flood differ
    assertNotEquals(java.util.Arrays.toString(x.c1()), java.util.Arrays.toString(y.c1()));
    assertNotEquals(java.util.Arrays.toString(x.c0()), java.util.Arrays.toString(y.c0()));
  }

  @Test
  void operandsThatAreNotFreshOrNotAtOneLevelAreRefused() {
    Parties p = new Parties(INSECURE_FP);
    CoefficientMatVec seal = p.seal.coefficientMatVec();
    MatVecLayout l = MatVecLayout.ofEncryptedMatrix(20, 30, INSECURE_FP);
    int level = FloodingBudget.compactLevel(INSECURE_FP, l, 40);
    List<Ciphertext> tiles = p.toSeal(p.owner.coefficientMatVec().encryptMatrix(p.sym, l,
        field.uniform(20, 30), level));
    long[] r = field.uniform(30);
    long[] s = field.uniform(20);
    // an evaluated ciphertext (a sum) is not fresh
    List<Ciphertext> summed = List.of(p.seal.evaluator().add(tiles.get(0), tiles.get(0)));
    if (tiles.size() == 1) {
      assertThrows(HeException.class,
          () -> seal.answerEncryptedMatrixCompact(l, summed, r, s, p.sealKey, 40));
    }
    // a public-key encryption is not a seeded fresh one
    Ciphertext pkEnc = p.seal.encryptor(p.sealKey).encrypt(
        p.seal.bfvEncoder().encode(new long[] {1, 2, 3}));
    assertThrows(HeException.class, () -> seal.answerEncryptedMatrixCompact(l,
        java.util.Collections.nCopies(tiles.size(), pkEnc), r, s, p.sealKey, 40));
    // residues outside their primes
    long[][][] bad = p.owner.exportComponents(p.owner.coefficientMatVec().encryptMatrix(p.sym,
        l, field.uniform(20, 30), level).get(0));
    bad[1][0][0] = -1L;
    assertThrows(HeException.class, () -> p.seal.importOperand(bad, level));
  }
}
