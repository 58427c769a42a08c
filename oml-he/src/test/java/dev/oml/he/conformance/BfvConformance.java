package dev.oml.he.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.BfvEncoder;
import dev.oml.he.Ciphertext;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.Evaluator;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.KeyGenerator;
import dev.oml.he.Plaintext;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * BFV conformance: every operation agrees exactly with the plaintext computation modulo
 * {@code t}, for batching and for coefficient encoding with {@code t = 2^l}. A backend's test
 * class extends this and supplies {@link #backend()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BfvConformance {
  protected abstract HeBackend backend();

  private HeContext batch;
  private SecretKey sk;
  private PublicKey pk;
  private RelinKeys rk;
  private GaloisKeys gk;
  private HeContext coeff;
  private SecretKey csk;
  private PublicKey cpk;
  private final Random rnd = new Random(42);

  @BeforeAll
  void setUp() {
    batch = backend().createContext(TestParameters.INSECURE_BFV_BATCHING);
    KeyGenerator kg = batch.keyGenerator();
    sk = kg.secretKey();
    pk = kg.createPublicKey();
    rk = kg.createRelinKeys();
    gk = kg.createGaloisKeys(1, 5, -3);
    coeff = backend().createContext(TestParameters.INSECURE_BFV_COEFF);
    KeyGenerator ckg = coeff.keyGenerator();
    csk = ckg.secretKey();
    cpk = ckg.createPublicKey();
  }

  private long[] randomMod(int n, long t) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = Math.floorMod(rnd.nextLong(), t);
    }
    return v;
  }

  private long[] decrypt(HeContext c, SecretKey s, Ciphertext ct) {
    return c.bfvEncoder().decode(c.decryptor(s).decrypt(ct));
  }

  @Test
  void batchingEncodeDecodeRoundTrip() {
    BfvEncoder enc = batch.bfvEncoder();
    long t = batch.parameters().plainModulus();
    long[] v = randomMod(enc.slotCount(), t);
    assertArrayEquals(v, enc.decode(enc.encode(v)));
  }

  @Test
  void decryptEncryptIsIdentityForEveryEncryptor() {
    BfvEncoder enc = batch.bfvEncoder();
    long[] v = randomMod(enc.slotCount(), batch.parameters().plainModulus());
    Plaintext p = enc.encode(v);
    for (Encryptor e : new Encryptor[] {batch.encryptor(pk), batch.encryptor(sk)}) {
      assertArrayEquals(v, decrypt(batch, sk, e.encrypt(p)));
    }
    Ciphertext seeded = batch.encryptor(sk).encryptSeeded(p);
    assertTrue(seeded.isSeeded());
    assertArrayEquals(v, decrypt(batch, sk, seeded));
    assertThrows(IncompatibleOperandsException.class, () -> batch.encryptor(pk).encryptSeeded(p));
  }

  @Test
  void moreKeysForAnExistingSecretKey() {
    KeyGenerator again = batch.keyGenerator(sk);
    long[] v = randomMod(8, batch.parameters().plainModulus());
    Ciphertext c = batch.encryptor(again.createPublicKey()).encrypt(batch.bfvEncoder().encode(v));
    long[] d = decrypt(batch, sk, c);
    assertArrayEquals(v, java.util.Arrays.copyOf(d, 8));
    GaloisKeys g2 = again.createGaloisKeys(2);
    assertArrayEquals(Oracles.rotateRows(decrypt(batch, sk, c), 2),
        decrypt(batch, sk, batch.evaluator().rotateRows(c, 2, g2)));
  }

  @Test
  void slotwiseArithmeticMatchesPlaintext() {
    BfvEncoder enc = batch.bfvEncoder();
    long t = batch.parameters().plainModulus();
    int n = enc.slotCount();
    long[] a = randomMod(n, t);
    long[] b = randomMod(n, t);
    long[] c = randomMod(n, t);
    Encryptor e = batch.encryptor(pk);
    Evaluator ev = batch.evaluator();
    Ciphertext ca = e.encrypt(enc.encode(a));
    Ciphertext cb = e.encrypt(enc.encode(b));
    long[] sum = new long[n];
    long[] diff = new long[n];
    long[] neg = new long[n];
    long[] plainProd = new long[n];
    long[] prod = new long[n];
    long[] plus = new long[n];
    BigInteger bt = BigInteger.valueOf(t);
    for (int i = 0; i < n; i++) {
      sum[i] = (a[i] + b[i]) % t;
      diff[i] = Math.floorMod(a[i] - b[i], t);
      neg[i] = Math.floorMod(-a[i], t);
      plainProd[i] = BigInteger.valueOf(a[i]).multiply(BigInteger.valueOf(c[i])).mod(bt).longValue();
      prod[i] = BigInteger.valueOf(a[i]).multiply(BigInteger.valueOf(b[i])).mod(bt).longValue();
      plus[i] = (a[i] + c[i]) % t;
    }
    assertArrayEquals(sum, decrypt(batch, sk, ev.add(ca, cb)));
    assertArrayEquals(diff, decrypt(batch, sk, ev.sub(ca, cb)));
    assertArrayEquals(neg, decrypt(batch, sk, ev.negate(ca)));
    assertArrayEquals(plainProd, decrypt(batch, sk, ev.multiplyPlain(ca, enc.encode(c))));
    assertArrayEquals(plus, decrypt(batch, sk, ev.addPlain(ca, enc.encode(c))));
    Ciphertext m3 = ev.multiply(ca, cb);
    assertEquals(3, m3.size());
    assertArrayEquals(prod, decrypt(batch, sk, m3));
    Ciphertext m2 = ev.relinearize(m3, rk);
    assertEquals(2, m2.size());
    assertArrayEquals(prod, decrypt(batch, sk, m2));
  }

  @Test
  void rowRotationsMatchPlaintext() {
    BfvEncoder enc = batch.bfvEncoder();
    long[] a = randomMod(enc.slotCount(), batch.parameters().plainModulus());
    Ciphertext ca = batch.encryptor(pk).encrypt(enc.encode(a));
    for (int steps : new int[] {1, 5, -3}) {
      assertArrayEquals(Oracles.rotateRows(a, steps),
          decrypt(batch, sk, batch.evaluator().rotateRows(ca, steps, gk)), "steps " + steps);
    }
    assertThrows(IncompatibleOperandsException.class,
        () -> batch.evaluator().rotateRows(ca, 2, gk));
  }

  @Test
  void modulusSwitchingKeepsTheMessage() {
    BfvEncoder enc = batch.bfvEncoder();
    long[] a = randomMod(enc.slotCount(), batch.parameters().plainModulus());
    Ciphertext ca = batch.encryptor(sk).encrypt(enc.encode(a));
    Ciphertext low = batch.evaluator().modSwitchToNext(ca);
    assertEquals(ca.level() - 1, low.level());
    assertArrayEquals(a, decrypt(batch, sk, low));
    assertThrows(IncompatibleOperandsException.class, () -> batch.evaluator().add(ca, low));
  }

  @Test
  void coefficientEncodingPlainProductIsNegacyclicConvolutionModT() {
    HeParameters p = coeff.parameters();
    long t = p.plainModulus();
    int n = p.polyModulusDegree();
    long[] a = randomMod(n, t);
    long[] w = randomMod(n, t);
    BfvEncoder enc = coeff.bfvEncoder();
    Ciphertext ca = coeff.encryptor(csk).encryptSeeded(enc.encode(a));
    assertArrayEquals(a, decrypt(coeff, csk, ca));
    Ciphertext prod = coeff.evaluator().multiplyPlain(ca, enc.encode(w));
    long[] expect = Oracles.negacyclicMod(a, w, t);
    assertArrayEquals(expect, decrypt(coeff, csk, prod));
    Ciphertext low = coeff.evaluator().modSwitchTo(prod, 1);
    assertArrayEquals(expect, decrypt(coeff, csk, low));
    Ciphertext viaPk = coeff.encryptor(cpk).encrypt(enc.encode(a));
    assertArrayEquals(a, decrypt(coeff, csk, viaPk));
  }

  @Test
  void encodingIsRoundOfQTimesMOverT() {
    // phase = round(Q m / t) + e with |e| <= 21 for a symmetric encryption; the textbook
    // floor(Q/t) m would be off by up to (Q mod t) m / t, far more when t does not divide Q.
    HeParameters p = coeff.parameters();
    long t = p.plainModulus();
    BigInteger q = p.modulusAtLevel(p.maxLevel());
    long[] m = randomMod(p.polyModulusDegree(), t);
    m[0] = t - 1;
    Ciphertext c = coeff.encryptor(csk).encrypt(coeff.bfvEncoder().encode(m));
    Decryptor d = coeff.decryptor(csk);
    BigInteger[] phase = d.phase(c);
    BigInteger bt = BigInteger.valueOf(t);
    for (int i = 0; i < m.length; i++) {
      BigInteger exact2 = q.multiply(BigInteger.valueOf(m[i])).shiftLeft(1).add(bt).divide(bt.shiftLeft(1));
      BigInteger e = phase[i].subtract(exact2).mod(q);
      if (e.shiftLeft(1).compareTo(q) > 0) {
        e = e.subtract(q);
      }
      assertTrue(e.abs().longValue() <= 21, "noise beyond the fresh bound at " + i);
    }
  }

  @Test
  void objectsFromAnotherContextAreRefused() {
    Ciphertext foreign = coeff.encryptor(csk).encrypt(coeff.bfvEncoder().encode(new long[] {1}));
    Ciphertext own = batch.encryptor(pk).encrypt(batch.bfvEncoder().encode(new long[] {1}));
    assertThrows(ContextMismatchException.class, () -> batch.evaluator().add(own, foreign));
    assertThrows(ContextMismatchException.class, () -> batch.decryptor(sk).decrypt(foreign));
    assertThrows(ContextMismatchException.class, () -> batch.encryptor(cpk));
    assertThrows(ContextMismatchException.class, () -> batch.decryptor(csk));
    Plaintext foreignPlain = coeff.bfvEncoder().encode(new long[] {3});
    assertThrows(ContextMismatchException.class,
        () -> batch.evaluator().multiplyPlain(own, foreignPlain));
    // Same parameters, another context instance: accepted (parties agree by parameter id).
    HeContext twin = backend().createContext(TestParameters.INSECURE_BFV_BATCHING);
    assertEquals(1, twin.bfvEncoder().decode(twin.decryptor(sk).decrypt(own))[0]);
  }
}
