package dev.oml.he.seal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.BfvEncoder;
import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.Evaluator;
import dev.oml.he.FloodingBudget;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.HeException;
import dev.oml.he.HeParameters;
import dev.oml.he.KeyGenerator;
import dev.oml.he.MalformedDataException;
import dev.oml.he.MatVecLayout;
import dev.oml.he.Plaintext;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
import dev.oml.he.conformance.Oracles;
import dev.oml.he.conformance.TestParameters;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The same computations on the pure-Java and the SEAL backend decrypt to the same values:
 * exactly for BFV (both encodings, every evaluator operation, flooding, the matrix-vector
 * product), to 2^-20 for CKKS. Objects and bytes of one backend are refused by the other with
 * typed errors (serialized forms are each backend's own). Skipped without the SEAL library.
 */
@RequiresSeal
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossBackendTest {
  private HeBackend seal;
  private final HeBackend java = HeBackends.pureJava();

  @BeforeAll
  void setUp() {
    seal = SealTests.backend();
  }

  /** One party's view of a parameter set on one backend. */
  private static final class Party {
    final HeContext ctx;
    final SecretKey sk;
    final PublicKey pk;
    final RelinKeys rk;
    final GaloisKeys gk;

    Party(HeBackend backend, HeParameters p, int... steps) {
      ctx = backend.createContext(p);
      KeyGenerator kg = ctx.keyGenerator();
      sk = kg.secretKey();
      pk = kg.createPublicKey();
      rk = p.supportsKeySwitching() ? kg.createRelinKeys() : null;
      gk = p.supportsKeySwitching() && steps.length > 0 ? kg.createGaloisKeys(steps) : null;
    }

    long[] bfv(Ciphertext c) {
      return ctx.bfvEncoder().decode(ctx.decryptor(sk).decrypt(c));
    }

    double[] ckks(Ciphertext c) {
      return ctx.ckksEncoder().decode(ctx.decryptor(sk).decrypt(c));
    }
  }

  private static long[] random(Random r, int n, long t) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = Math.floorMod(r.nextLong(), t);
    }
    return v;
  }

  /** Every BFV batching operation, run on one backend, decrypted. */
  private static List<long[]> bfvBatchingProgram(Party p, long[] a, long[] b, long[] c) {
    BfvEncoder enc = p.ctx.bfvEncoder();
    Evaluator ev = p.ctx.evaluator();
    Ciphertext ca = p.ctx.encryptor(p.pk).encrypt(enc.encode(a));
    Ciphertext cb = p.ctx.encryptor(p.sk).encrypt(enc.encode(b));
    Ciphertext cs = p.ctx.encryptor(p.sk).encryptSeeded(enc.encode(c));
    Plaintext pc = enc.encode(c);
    List<long[]> out = new ArrayList<>();
    out.add(p.bfv(ev.add(ca, cb)));
    out.add(p.bfv(ev.sub(ca, cs)));
    out.add(p.bfv(ev.negate(cb)));
    out.add(p.bfv(ev.addPlain(ca, pc)));
    out.add(p.bfv(ev.multiplyPlain(ca, pc)));
    Ciphertext prod = ev.multiplyAndRelinearize(ca, cb, p.rk);
    out.add(p.bfv(prod));
    out.add(p.bfv(ev.multiply(prod, cs)));
    out.add(p.bfv(ev.rotateRows(ca, 3, p.gk)));
    out.add(p.bfv(ev.rotateRows(ca, -1, p.gk)));
    out.add(p.bfv(ev.modSwitchToNext(prod)));
    for (Ciphertext x : ev.multiplyPlain(List.of(ca, cb), List.of(pc, pc))) {
      out.add(p.bfv(x));
    }
    return out;
  }

  @Test
  void bfvBatchingAgreesExactly() {
    HeParameters params = TestParameters.INSECURE_BFV_BATCHING;
    Party j = new Party(java, params, 3, -1);
    Party s = new Party(seal, params, 3, -1);
    Random r = new Random(1);
    int n = params.polyModulusDegree();
    long t = params.plainModulus();
    long[] a = random(r, n, t);
    long[] b = random(r, n, t);
    long[] c = random(r, n, t);
    List<long[]> fromJava = bfvBatchingProgram(j, a, b, c);
    List<long[]> fromSeal = bfvBatchingProgram(s, a, b, c);
    assertEquals(fromJava.size(), fromSeal.size());
    for (int i = 0; i < fromJava.size(); i++) {
      assertArrayEquals(fromJava.get(i), fromSeal.get(i), "operation " + i);
    }
    // And both equal the plaintext computation, e.g. the rotation and the product.
    assertArrayEquals(Oracles.rotateRows(a, 3), fromSeal.get(7));
    BigInteger bt = BigInteger.valueOf(t);
    for (int i = 0; i < n; i++) {
      assertEquals(BigInteger.valueOf(a[i]).multiply(BigInteger.valueOf(b[i])).mod(bt).longValue(),
          fromSeal.get(5)[i]);
    }
  }

  @Test
  void bfvCoefficientEncodingAndFloodingAgreeExactly() {
    HeParameters params = TestParameters.INSECURE_BFV_COEFF;
    int n = params.polyModulusDegree();
    long t = params.plainModulus();
    Random r = new Random(2);
    long[] a = random(r, n, t);
    long[] w = random(r, n, t);
    long[] expect = Oracles.negacyclicMod(a, w, t);
    for (HeBackend backend : new HeBackend[] {java, seal}) {
      Party p = new Party(backend, params);
      Evaluator ev = p.ctx.evaluator();
      BfvEncoder enc = p.ctx.bfvEncoder();
      Ciphertext ca = p.ctx.encryptor(p.sk).encryptSeeded(enc.encode(a));
      Ciphertext prod = ev.multiplyPlain(ca, enc.encode(w));
      // A batch reusing one ciphertext (transformed once natively), with a zero plaintext.
      List<Ciphertext> many = ev.multiplyPlain(List.of(ca, ca, prod, ca),
          List.of(enc.encode(w), enc.encode(a), enc.encode(a), enc.encode(new long[0])));
      assertArrayEquals(expect, p.bfv(many.get(0)), backend.name());
      assertArrayEquals(Oracles.negacyclicMod(a, a, t), p.bfv(many.get(1)), backend.name());
      assertArrayEquals(Oracles.negacyclicMod(expect, a, t), p.bfv(many.get(2)), backend.name());
      assertArrayEquals(new long[n], p.bfv(many.get(3)), backend.name());
      FloodingBudget budget = FloodingBudget.forMatVec(params, 1, 1, 40);
      Ciphertext hidden = ev.modSwitchTo(ev.rerandomize(prod, p.pk, budget), budget.answerLevel());
      assertArrayEquals(expect, p.bfv(hidden), backend.name());
      assertArrayEquals(a, p.bfv(p.ctx.encryptor(p.pk).encrypt(enc.encode(a))), backend.name());
    }
  }

  @Test
  void bfvWithTwoToTheSixtyAgreesExactly() {
    // t = 2^60 is above SEAL's own limit: the native library scales, lifts and decrypts with
    // OML's t itself. Every operation that does not multiply two ciphertexts agrees exactly.
    HeParameters params = PredefinedParameters.bfvTwoParty(60, 40);
    int n = params.polyModulusDegree();
    long t = params.plainModulus();
    Random r = new Random(4);
    long[] a = random(r, n, t);
    long[] w = random(r, 64, t);
    long[] b = random(r, n, t);
    long[] wide = new long[n];
    System.arraycopy(w, 0, wide, 0, w.length);
    List<List<long[]>> results = new ArrayList<>();
    for (HeBackend backend : new HeBackend[] {java, seal}) {
      Party p = new Party(backend, params);
      Evaluator ev = p.ctx.evaluator();
      BfvEncoder enc = p.ctx.bfvEncoder();
      Ciphertext ca = p.ctx.encryptor(p.sk).encryptSeeded(enc.encode(a));
      Ciphertext cb = p.ctx.encryptor(p.pk).encrypt(enc.encode(b));
      Ciphertext prod = ev.multiplyPlain(ca, enc.encode(w));
      List<long[]> out = new ArrayList<>();
      out.add(p.bfv(ca));
      out.add(p.bfv(cb));
      out.add(p.bfv(prod));
      out.add(p.bfv(ev.multiplyPlain(List.of(ca, cb), List.of(enc.encode(w), enc.encode(w)))
          .get(1)));
      out.add(p.bfv(ev.addPlain(ca, enc.encode(b))));
      out.add(p.bfv(ev.sub(ev.add(ca, cb), ev.negate(cb))));
      out.add(p.bfv(ev.modSwitchTo(prod, 1)));
      out.add(p.bfv(p.ctx.serializer().loadCiphertext(p.ctx.serializer().save(ca))));
      results.add(out);
      assertArrayEquals(a, out.get(0), backend.name());
      assertArrayEquals(b, out.get(1), backend.name());
      assertArrayEquals(Oracles.negacyclicMod(a, wide, t), out.get(2), backend.name());
      assertArrayEquals(Oracles.negacyclicMod(b, wide, t), out.get(3), backend.name());
      if (backend == seal) {
        // SEAL's BFV tensoring depends on t and stops at 60 bits.
        assertThrows(dev.oml.he.IncompatibleOperandsException.class, () -> ev.multiply(ca, cb));
      }
    }
    for (int i = 0; i < results.get(0).size(); i++) {
      assertArrayEquals(results.get(0).get(i), results.get(1).get(i), "operation " + i);
    }
  }

  @Test
  void galoisElementsAreNumberedAlike() {
    // SEAL numbers CKKS rotations 3^k internally; both backends report the API's 5^k (and 2N - 1
    // for conjugation), so code that checks which rotations a key set covers works on either.
    int[] steps = {1, 2, 7, -1, -16};
    HeParameters ckks = TestParameters.INSECURE_CKKS;
    int[] javaElements = java.createContext(ckks).keyGenerator()
        .createGaloisKeysWithConjugation(steps).galoisElements();
    int[] sealElements = seal.createContext(ckks).keyGenerator()
        .createGaloisKeysWithConjugation(steps).galoisElements();
    assertArrayEquals(javaElements, sealElements);
    assertEquals(steps.length + 1, sealElements.length);
    HeParameters bfv = TestParameters.INSECURE_BFV_BATCHING;
    assertArrayEquals(java.createContext(bfv).keyGenerator().createGaloisKeys(steps).galoisElements(),
        seal.createContext(bfv).keyGenerator().createGaloisKeys(steps).galoisElements());
  }

  @Test
  void matrixVectorProductAgreesAtTheTwoPartyParameters() {
    HeParameters params = PredefinedParameters.bfvTwoParty(37, 40);
    Random r = new Random(3);
    int rows = 100;
    int cols = 300;
    long t = params.plainModulus();
    long[][] w = new long[rows][];
    for (int i = 0; i < rows; i++) {
      w[i] = random(r, cols, t);
    }
    long[] x = random(r, cols, t);
    long[] mask = random(r, rows, t);
    long[] expect = Oracles.matVecMinusMask(w, x, mask, 37);
    for (HeBackend backend : new HeBackend[] {java, seal}) {
      Party p = new Party(backend, params);
      CoefficientMatVec mv = p.ctx.coefficientMatVec();
      MatVecLayout layout = mv.layout(rows, cols);
      List<Ciphertext> query = mv.encryptQuery(p.ctx.encryptor(p.sk), layout, x);
      // The query travels as bytes, the answer too: each backend reads its own.
      List<Ciphertext> received = p.ctx.serializer().loadCiphertexts(
          p.ctx.serializer().saveCiphertexts(query), query.size());
      List<Ciphertext> answer = mv.answer(layout, received, w, mask, p.pk, 40);
      assertTrue(answer.get(0).isExtracted(), backend.name());
      List<Ciphertext> back = p.ctx.serializer().loadCiphertexts(
          p.ctx.serializer().saveCiphertexts(answer), answer.size());
      assertArrayEquals(expect, mv.decryptAnswer(p.ctx.decryptor(p.sk), layout, back),
          backend.name());
    }
  }

  @Test
  void ckksAgreesToTwentyBits() {
    HeParameters params = TestParameters.INSECURE_CKKS;
    Party j = new Party(java, params, 5);
    Party s = new Party(seal, params, 5);
    Random r = new Random(4);
    int slots = params.polyModulusDegree() / 2;
    double[] a = new double[slots];
    double[] b = new double[slots];
    for (int i = 0; i < slots; i++) {
      a[i] = r.nextDouble() * 2 - 1;
      b[i] = r.nextDouble() * 2 - 1;
    }
    double[][] results = new double[2][];
    int k = 0;
    for (Party p : new Party[] {j, s}) {
      CkksEncoder enc = p.ctx.ckksEncoder();
      Evaluator ev = p.ctx.evaluator();
      Ciphertext ca = p.ctx.encryptor(p.pk).encrypt(enc.encode(a, 0x1p40));
      Ciphertext cb = p.ctx.encryptor(p.sk).encryptSeeded(enc.encode(b, 0x1p40));
      Ciphertext prod = ev.rescale(ev.multiplyAndRelinearize(ca, cb, p.rk));
      Ciphertext rot = ev.rotate(prod, 5, p.gk);
      Ciphertext plain = ev.rescale(ev.multiplyPlain(rot, enc.encode(b, new double[0], 0x1p40,
          rot.level())));
      results[k++] = p.ckks(ev.addPlain(plain, enc.encode(a, new double[0], plain.scale(),
          plain.level())));
    }
    for (int i = 0; i < slots; i++) {
      double expect = a[(i + 5) % slots] * b[(i + 5) % slots] * b[i] + a[i];
      assertEquals(expect, results[0][i], 0x1p-20, "java slot " + i);
      assertEquals(expect, results[1][i], 0x1p-20, "seal slot " + i);
      assertEquals(results[0][i], results[1][i], 0x1p-20, "slot " + i);
    }
  }

  /** Hoisted rotations (SEAL's done in the native layer) decrypt alike on both backends. */
  @Test
  void hoistedRotationsAgreeToTwentyBits() {
    HeParameters params = TestParameters.INSECURE_CKKS;
    int[] steps = {1, 5, -3, 0};
    Party j = new Party(java, params, 1, 5, -3);
    Party s = new Party(seal, params, 1, 5, -3);
    Random r = new Random(5);
    int slots = params.polyModulusDegree() / 2;
    double[] a = new double[slots];
    for (int i = 0; i < slots; i++) {
      a[i] = r.nextDouble() * 2 - 1;
    }
    double[][][] results = new double[2][steps.length][];
    int k = 0;
    for (Party p : new Party[] {j, s}) {
      Evaluator ev = p.ctx.evaluator();
      Ciphertext ca = p.ctx.encryptor(p.pk).encrypt(p.ctx.ckksEncoder().encode(a, 0x1p40));
      List<Ciphertext> rotated = ev.rotateHoisted(ev.modSwitchTo(ca, 1), steps, p.gk);
      for (int m = 0; m < steps.length; m++) {
        results[k][m] = p.ckks(rotated.get(m));
      }
      k++;
    }
    for (int m = 0; m < steps.length; m++) {
      for (int i = 0; i < slots; i++) {
        double expect = a[Math.floorMod(i + steps[m], slots)];
        assertEquals(expect, results[0][m][i], 0x1p-20, "java, steps " + steps[m]);
        assertEquals(expect, results[1][m][i], 0x1p-20, "seal, steps " + steps[m]);
      }
    }
  }

  @Test
  void objectsAndBytesOfOneBackendAreRefusedByTheOther() {
    HeParameters params = TestParameters.INSECURE_BFV_BATCHING;
    Party j = new Party(java, params);
    Party s = new Party(seal, params);
    Ciphertext cj = j.ctx.encryptor(j.pk).encrypt(j.ctx.bfvEncoder().encode(new long[] {1}));
    Ciphertext cs = s.ctx.encryptor(s.pk).encrypt(s.ctx.bfvEncoder().encode(new long[] {1}));
    assertThrows(ContextMismatchException.class, () -> s.ctx.evaluator().add(cs, cj));
    assertThrows(ContextMismatchException.class, () -> j.ctx.evaluator().add(cj, cs));
    assertThrows(ContextMismatchException.class, () -> s.ctx.decryptor(j.sk));
    assertThrows(ContextMismatchException.class, () -> s.ctx.encryptor(j.pk));
    assertThrows(MalformedDataException.class,
        () -> s.ctx.serializer().loadCiphertext(j.ctx.serializer().save(cj)));
    HeException e = assertThrows(HeException.class,
        () -> j.ctx.serializer().loadCiphertext(s.ctx.serializer().save(cs)));
    assertTrue(e instanceof MalformedDataException || e instanceof ContextMismatchException,
        e.toString());
  }
}
