package dev.oml.he.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.Encryptor;
import dev.oml.he.Evaluator;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.KeyGenerator;
import dev.oml.he.Plaintext;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * CKKS conformance: results agree with double-precision computation on the slots; at least 20
 * bits of precision after a depth-4 circuit at scale {@code 2^40} (no flooding).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class CkksConformance {
  protected abstract HeBackend backend();

  private static final double SCALE = 0x1p40;
  private HeContext ctx;
  private SecretKey sk;
  private PublicKey pk;
  private RelinKeys rk;
  private GaloisKeys gk;
  private final Random rnd = new Random(7);

  @BeforeAll
  void setUp() {
    ctx = backend().createContext(TestParameters.INSECURE_CKKS);
    KeyGenerator kg = ctx.keyGenerator();
    sk = kg.secretKey();
    pk = kg.createPublicKey();
    rk = kg.createRelinKeys();
    gk = kg.createGaloisKeys(1, 7, -2);
  }

  private double[] random(int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextDouble() * 2 - 1;
    }
    return v;
  }

  private double[] decrypt(Ciphertext c) {
    return ctx.ckksEncoder().decode(ctx.decryptor(sk).decrypt(c));
  }

  /** {@code -log2} of the largest absolute error. */
  private static double precisionBits(double[] expect, double[] got) {
    double max = 0;
    for (int i = 0; i < expect.length; i++) {
      max = Math.max(max, Math.abs(expect[i] - got[i]));
    }
    return -Math.log(max) / Math.log(2);
  }

  /**
   * The monomial {@code X^k} at scale one: its slots are {@code zeta_j^k} (so {@code X^(N/2)} is
   * {@code +-i} in every slot and {@code X^0} is one), and a product with it keeps level and
   * scale and is exact ({@code X^(N/2)} four times is the identity, bit for bit after decoding).
   */
  @Test
  void theMonomialIsExactAndIsPlusOrMinusIInEverySlot() {
    CkksEncoder enc = ctx.ckksEncoder();
    int n = 2 * enc.slotCount();
    int top = ctx.parameters().maxLevel();
    double[][] one = enc.decodeComplex(enc.monomial(0, top));
    double[][] half = enc.decodeComplex(enc.monomial(n / 2, top));
    for (int j = 0; j < enc.slotCount(); j++) {
      assertEquals(1.0, one[0][j], 1e-12);
      assertEquals(0.0, one[1][j], 1e-12);
      assertEquals(0.0, half[0][j], 1e-12);
      assertEquals(1.0, Math.abs(half[1][j]), 1e-12);
    }
    Ciphertext c = ctx.encryptor(pk).encrypt(enc.encode(random(enc.slotCount()),
        random(enc.slotCount()), SCALE, top));
    Evaluator ev = ctx.evaluator();
    Plaintext m = enc.monomial(n / 2, top);
    Ciphertext once = ev.multiplyPlain(c, m);
    assertEquals(c.level(), once.level());
    assertEquals(c.scale(), once.scale());
    Ciphertext four = ev.multiplyPlain(ev.multiplyPlain(ev.multiplyPlain(once, m), m), m);
    double[][] a = enc.decodeComplex(ctx.decryptor(sk).decrypt(c));
    double[][] b = enc.decodeComplex(ctx.decryptor(sk).decrypt(four));
    double[][] r = enc.decodeComplex(ctx.decryptor(sk).decrypt(once));
    for (int j = 0; j < enc.slotCount(); j++) {
      assertEquals(a[0][j], b[0][j], 0.0, "slot " + j);
      assertEquals(a[1][j], b[1][j], 0.0, "slot " + j);
      // (x + iy) * (i e) = -e y + i e x
      double e = Math.signum(half[1][j]);
      assertEquals(-e * a[1][j], r[0][j], 1e-9, "slot " + j);
      assertEquals(e * a[0][j], r[1][j], 1e-9, "slot " + j);
    }
    assertThrows(IllegalArgumentException.class, () -> enc.monomial(n, top));
  }

  @Test
  void encodeDecodeAndEncryptDecrypt() {
    CkksEncoder enc = ctx.ckksEncoder();
    double[] v = random(enc.slotCount());
    Plaintext p = enc.encode(v, SCALE);
    assertTrue(precisionBits(v, enc.decode(p)) > 30);
    double[][] cplx = enc.decodeComplex(enc.encode(v, random(enc.slotCount()), SCALE, 2));
    assertEquals(enc.slotCount(), cplx[1].length);
    for (Encryptor e : new Encryptor[] {ctx.encryptor(pk), ctx.encryptor(sk)}) {
      assertTrue(precisionBits(v, decrypt(e.encrypt(p))) > 20);
    }
    assertTrue(precisionBits(v, decrypt(ctx.encryptor(sk).encryptSeeded(p))) > 20);
  }

  @Test
  void arithmeticMatchesDoubles() {
    CkksEncoder enc = ctx.ckksEncoder();
    int n = enc.slotCount();
    double[] a = random(n);
    double[] b = random(n);
    Evaluator ev = ctx.evaluator();
    Ciphertext ca = ctx.encryptor(pk).encrypt(enc.encode(a, SCALE));
    Ciphertext cb = ctx.encryptor(pk).encrypt(enc.encode(b, SCALE));
    double[] sum = new double[n];
    double[] prod = new double[n];
    double[] diff = new double[n];
    for (int i = 0; i < n; i++) {
      sum[i] = a[i] + b[i];
      prod[i] = a[i] * b[i];
      diff[i] = a[i] - b[i];
    }
    assertTrue(precisionBits(sum, decrypt(ev.add(ca, cb))) > 20);
    assertTrue(precisionBits(diff, decrypt(ev.sub(ca, cb))) > 20);
    assertTrue(precisionBits(sum, decrypt(ev.addPlain(ca, enc.encode(b, SCALE)))) > 20);
    Ciphertext pp = ev.rescale(ev.multiplyPlain(ca, enc.encode(b, SCALE)));
    assertEquals(ca.level() - 1, pp.level());
    assertTrue(precisionBits(prod, decrypt(pp)) > 20);
    Ciphertext cc = ev.rescale(ev.multiplyAndRelinearize(ca, cb, rk));
    assertEquals(2, cc.size());
    assertTrue(precisionBits(prod, decrypt(cc)) > 20);
  }

  @Test
  void innerProductsOfCiphertextsAndPlaintextsMatchDoubles() {
    CkksEncoder enc = ctx.ckksEncoder();
    int n = enc.slotCount();
    Evaluator ev = ctx.evaluator();
    java.util.List<Ciphertext> xs = new java.util.ArrayList<>();
    java.util.List<Plaintext> ps = new java.util.ArrayList<>();
    double[] want = new double[n];
    for (int t = 0; t < 5; t++) {
      double[] a = random(n);
      double[] b = random(n);
      xs.add(ctx.encryptor(pk).encrypt(enc.encode(a, SCALE)));
      ps.add(enc.encode(b, SCALE));
      for (int i = 0; i < n; i++) {
        want[i] += a[i] * b[i];
      }
    }
    Ciphertext sum = ev.rescale(ev.multiplyPlainSum(xs, ps));
    assertTrue(precisionBits(want, decrypt(sum)) > 18);
    Ciphertext lower = ev.modSwitchToNext(xs.get(1));
    assertThrows(IncompatibleOperandsException.class,
        () -> ev.multiplyPlainSum(java.util.List.of(xs.get(0), lower), ps.subList(0, 2)));
    assertThrows(IllegalArgumentException.class,
        () -> ev.multiplyPlainSum(java.util.List.of(), java.util.List.of()));
  }

  /**
   * The in-place inner product has the residues of the products added one by one (the exact
   * oracle), also with a plaintext encoded above the ciphertexts' level and a zero plaintext,
   * and refuses products at different scales.
   */
  @Test
  void innerProductsEqualTheProductsAddedOneByOne() {
    CkksEncoder enc = ctx.ckksEncoder();
    int n = enc.slotCount();
    Evaluator ev = ctx.evaluator();
    int top = ctx.parameters().maxLevel();
    java.util.List<Ciphertext> xs = new java.util.ArrayList<>();
    java.util.List<Plaintext> ps = new java.util.ArrayList<>();
    for (int t = 0; t < 6; t++) {
      xs.add(ev.modSwitchToNext(ctx.encryptor(pk).encrypt(enc.encode(random(n), SCALE))));
      double[] b = t == 4 ? new double[n] : random(n);
      ps.add(enc.encode(b, new double[0], SCALE, t == 2 ? top : top - 1));
    }
    Ciphertext one = ev.multiplyPlainSum(xs, ps);
    Ciphertext added = ev.multiplyPlain(xs.get(0), ps.get(0));
    for (int t = 1; t < xs.size(); t++) {
      added = ev.add(added, ev.multiplyPlain(xs.get(t), ps.get(t)));
    }
    assertEquals(added.level(), one.level());
    assertEquals(added.scale(), one.scale());
    assertArrayEquals(decrypt(added), decrypt(one), 0.0);
    java.util.List<Plaintext> mixed = java.util.List.of(ps.get(0),
        enc.encode(random(n), new double[0], SCALE * 2, top - 1));
    assertThrows(IncompatibleOperandsException.class,
        () -> ev.multiplyPlainSum(xs.subList(0, 2), mixed));
  }

  /**
   * Several inner products over the same ciphertexts have, row by row, the residues of the
   * products added one by one, on one thread and where the backend splits the work over two:
   * with missing terms, a row with none (a null result), a plaintext encoded above the
   * ciphertexts' level and a zero plaintext; a row of the wrong length and a row whose
   * products differ in scale are refused.
   */
  @Test
  void severalInnerProductsEqualTheProductsAddedOneByOne() {
    CkksEncoder enc = ctx.ckksEncoder();
    int n = enc.slotCount();
    Evaluator ev = ctx.evaluator();
    int top = ctx.parameters().maxLevel();
    java.util.List<Ciphertext> xs = new java.util.ArrayList<>();
    for (int t = 0; t < 5; t++) {
      xs.add(ev.modSwitchToNext(ctx.encryptor(pk).encrypt(enc.encode(random(n), SCALE))));
    }
    Plaintext[][] p = new Plaintext[4][5];
    for (int j = 0; j < 4; j++) {
      for (int t = 0; t < 5; t++) {
        if (j == 2 || (j == 1 && t % 2 == 1)) {
          continue;
        }
        double[] b = j == 3 && t == 4 ? new double[n] : random(n);
        p[j][t] = enc.encode(b, new double[0], SCALE, j == 0 && t == 3 ? top : top - 1);
      }
    }
    for (Evaluator e : new Evaluator[] {ev, ev.withKeySwitchThreads(2)}) {
      java.util.List<Ciphertext> got = e.multiplyPlainSums(xs, p);
      assertEquals(4, got.size());
      for (int j = 0; j < 4; j++) {
        Ciphertext added = null;
        for (int t = 0; t < 5; t++) {
          if (p[j][t] != null) {
            Ciphertext prod = ev.multiplyPlain(xs.get(t), p[j][t]);
            added = added == null ? prod : ev.add(added, prod);
          }
        }
        if (added == null) {
          assertEquals(null, got.get(j), "row " + j + " has no term");
          continue;
        }
        assertEquals(added.level(), got.get(j).level());
        assertEquals(added.scale(), got.get(j).scale());
        assertArrayEquals(decrypt(added), decrypt(got.get(j)), 0.0, "row " + j);
      }
    }
    assertThrows(IllegalArgumentException.class,
        () -> ev.multiplyPlainSums(xs, new Plaintext[][] {new Plaintext[4]}));
    Plaintext[][] mixed = {{p[0][0], enc.encode(random(n), new double[0], SCALE * 2, top - 1),
        null, null, null}};
    assertThrows(IncompatibleOperandsException.class, () -> ev.multiplyPlainSums(xs, mixed));
  }

  @Test
  void rotationsMatchDoubles() {
    CkksEncoder enc = ctx.ckksEncoder();
    int n = enc.slotCount();
    double[] a = random(n);
    Ciphertext ca = ctx.encryptor(pk).encrypt(enc.encode(a, SCALE));
    for (int steps : new int[] {1, 7, -2}) {
      double[] expect = new double[n];
      for (int i = 0; i < n; i++) {
        expect[i] = a[Math.floorMod(i + steps, n)];
      }
      assertTrue(precisionBits(expect, decrypt(ctx.evaluator().rotate(ca, steps, gk))) > 20,
          "steps " + steps);
    }
    assertThrows(IncompatibleOperandsException.class, () -> ctx.evaluator().rotate(ca, 3, gk));
    // Hoisted: the same rotations from one decomposition.
    java.util.List<Ciphertext> hoisted = ctx.evaluator().rotateHoisted(ca, new int[] {1, 7, -2, 0}, gk);
    int[] hs = {1, 7, -2, 0};
    for (int k = 0; k < hs.length; k++) {
      double[] expect = new double[n];
      for (int i = 0; i < n; i++) {
        expect[i] = a[Math.floorMod(i + hs[k], n)];
      }
      assertTrue(precisionBits(expect, decrypt(hoisted.get(k))) > 20, "hoisted " + hs[k]);
    }
    // Key switching below the top level uses fewer digits of the same keys.
    Ciphertext low = ctx.evaluator().modSwitchTo(ca, 1);
    double[] expect = new double[n];
    for (int i = 0; i < n; i++) {
      expect[i] = a[Math.floorMod(i + 7, n)];
    }
    assertTrue(precisionBits(expect, decrypt(ctx.evaluator().rotate(low, 7, gk))) > 20);
  }

  /**
   * Hoisted rotations (one decomposition shared) decrypt as single rotations do: the phases
   * differ by no more than two key switches' errors (2^9 measured with SEAL, none with the
   * pure-Java engine, whose rotation is hoisted itself), far below the scale 2^40, at the top
   * level and below it; a missing key fails the whole call.
   */
  @Test
  void hoistedRotationsDecryptAsSingleRotationsWithinTheKeySwitchingError() {
    CkksEncoder enc = ctx.ckksEncoder();
    Evaluator ev = ctx.evaluator();
    Ciphertext top = ctx.encryptor(pk).encrypt(enc.encode(random(enc.slotCount()), SCALE));
    int[] steps = {1, 7, -2, 0};
    for (Ciphertext x : new Ciphertext[] {top, ev.modSwitchTo(top, 1)}) {
      java.util.List<Ciphertext> hoisted = ev.rotateHoisted(x, steps, gk);
      for (int k = 0; k < steps.length; k++) {
        Ciphertext single = ev.rotate(x, steps[k], gk);
        assertEquals(single.level(), hoisted.get(k).level());
        assertEquals(single.scale(), hoisted.get(k).scale());
        double bits = phaseDistanceBits(single, hoisted.get(k), x.level());
        assertTrue(bits < 16, "steps " + steps[k] + " at level " + x.level()
            + ": phases differ by 2^" + bits);
      }
    }
    assertThrows(IncompatibleOperandsException.class,
        () -> ev.rotateHoisted(top, new int[] {1, 3}, gk));
  }

  /** {@code log2} of the largest centered difference of two ciphertexts' phases. */
  private double phaseDistanceBits(Ciphertext a, Ciphertext b, int level) {
    java.math.BigInteger[] pa = ctx.decryptor(sk).phase(a);
    java.math.BigInteger[] pb = ctx.decryptor(sk).phase(b);
    java.math.BigInteger q = java.math.BigInteger.ONE;
    for (int i = 0; i <= level; i++) {
      q = q.multiply(java.math.BigInteger.valueOf(TestParameters.INSECURE_CKKS.coeffModulus()[i]));
    }
    java.math.BigInteger max = java.math.BigInteger.ZERO;
    for (int i = 0; i < pa.length; i++) {
      java.math.BigInteger d = pa[i].subtract(pb[i]).mod(q);
      if (d.shiftLeft(1).compareTo(q) > 0) {
        d = q.subtract(d);
      }
      max = max.max(d);
    }
    return max.signum() == 0 ? 0 : max.bitLength();
  }

  @Test
  void depthFourCircuitKeepsTwentyBits() {
    CkksEncoder enc = ctx.ckksEncoder();
    int n = enc.slotCount();
    double[] x = random(n);
    double[] y = random(n);
    Evaluator ev = ctx.evaluator();
    Ciphertext cx = ctx.encryptor(pk).encrypt(enc.encode(x, SCALE));
    Ciphertext cy = ctx.encryptor(pk).encrypt(enc.encode(y, SCALE));
    // ((x*y)^2 * x')^2 with plaintext-free depth 4: four multiply-relinearize-rescale steps.
    Ciphertext c1 = ev.rescale(ev.multiplyAndRelinearize(cx, cy, rk));
    Ciphertext c2 = ev.rescale(ev.multiplyAndRelinearize(c1, c1, rk));
    Ciphertext cx2 = ev.rescale(ev.multiplyAndRelinearize(cx, cx, rk));
    Ciphertext cx3 = ev.rescale(ev.multiplyAndRelinearize(cx2, cx2, rk));
    Ciphertext c3 = ev.rescale(ev.multiplyAndRelinearize(c2, cx3, rk));
    Ciphertext c4 = ev.rescale(ev.multiplyAndRelinearize(c3, c3, rk));
    assertEquals(0, c4.level());
    double[] expect = new double[n];
    for (int i = 0; i < n; i++) {
      double v = Math.pow(x[i] * y[i], 2) * Math.pow(x[i], 4);
      expect[i] = v * v;
    }
    double bits = precisionBits(expect, decrypt(c4));
    assertTrue(bits >= 20, "precision after depth 4: " + bits + " bits");
  }

  @Test
  void rerandomizedAndFloodedResultKeepsTheRequestedPrecision() {
    CkksEncoder enc = ctx.ckksEncoder();
    int n = enc.slotCount();
    double[] a = random(n);
    double[] b = random(n);
    Evaluator ev = ctx.evaluator();
    Ciphertext prod = ev.multiplyPlain(ctx.encryptor(pk).encrypt(enc.encode(a, SCALE)),
        enc.encode(b, SCALE));
    // The answer is flooded at scale 2^80, before the last rescale, so that 2^kappa M B_eval
    // stays far below the scale: that is how the HE mode must size its final scale.
    dev.oml.he.FloodingBudget budget = dev.oml.he.FloodingBudget.forCkks(ctx.parameters(), 10,
        2L * n, java.math.BigInteger.ONE.shiftLeft(20), prod.level(), prod.scale(), 12);
    Ciphertext flooded = ev.rerandomize(prod, pk, budget);
    double[] expect = new double[n];
    for (int i = 0; i < n; i++) {
      expect[i] = a[i] * b[i];
    }
    assertTrue(precisionBits(expect, decrypt(ev.rescale(flooded))) >= 12);
    assertThrows(dev.oml.he.NoiseBudgetException.class,
        () -> dev.oml.he.FloodingBudget.forCkks(ctx.parameters(), 10, 2L * n,
            java.math.BigInteger.ONE.shiftLeft(20), 4, SCALE, 12));
    assertThrows(dev.oml.he.NoiseBudgetException.class,
        () -> dev.oml.he.FloodingBudget.forCkks(dev.oml.he.PredefinedParameters.CKKS_N16384, 39,
            16384, java.math.BigInteger.ONE, 7, 0x1p200, 10));
  }

  @Test
  @org.junit.jupiter.api.Tag("slow")
  void depthFourAtThePredefinedN16384SetKeepsTwentyBits() {
    HeContext big = backend().createContext(dev.oml.he.PredefinedParameters.CKKS_N16384);
    KeyGenerator kg = big.keyGenerator();
    RelinKeys brk = kg.createRelinKeys();
    CkksEncoder enc = big.ckksEncoder();
    int n = enc.slotCount();
    double[] x = random(n);
    Ciphertext c = big.encryptor(kg.createPublicKey()).encrypt(enc.encode(x, SCALE));
    double[] expect = x.clone();
    Evaluator ev = big.evaluator();
    for (int d = 0; d < 4; d++) {
      c = ev.rescale(ev.multiplyAndRelinearize(c, c, brk));
      for (int i = 0; i < n; i++) {
        expect[i] *= expect[i];
      }
    }
    double bits = precisionBits(expect,
        enc.decode(big.decryptor(kg.secretKey()).decrypt(c)));
    assertTrue(bits >= 20, "precision " + bits);
  }

  @Test
  void mismatchedScalesAndLevelsAreRefused() {
    CkksEncoder enc = ctx.ckksEncoder();
    double[] a = random(4);
    Evaluator ev = ctx.evaluator();
    Ciphertext ca = ctx.encryptor(pk).encrypt(enc.encode(a, SCALE));
    Ciphertext other = ctx.encryptor(pk).encrypt(enc.encode(a, 0x1p30));
    assertThrows(IncompatibleOperandsException.class, () -> ev.add(ca, other));
    Ciphertext lower = ev.rescale(ev.multiplyAndRelinearize(ca, ca, rk));
    assertThrows(IncompatibleOperandsException.class, () -> ev.add(ca, lower));
    // Dropping a prime aligns levels and keeps the values and the scale.
    Ciphertext dropped = ev.modSwitchTo(ca, lower.level());
    assertEquals(lower.level(), dropped.level());
    assertEquals(ca.scale(), dropped.scale());
    assertTrue(precisionBits(a, java.util.Arrays.copyOf(decrypt(dropped), a.length)) > 20);
    Ciphertext bottom = ca;
    while (bottom.level() > 0) {
      bottom = ev.rescale(ev.multiplyPlain(bottom, enc.encode(new double[] {1}, new double[0],
          SCALE, bottom.level())));
    }
    Ciphertext end = bottom;
    assertThrows(IncompatibleOperandsException.class, () -> ev.rescale(end));
    // Scaled values beyond the level's modulus (220 bits at the top here) are refused.
    assertThrows(IncompatibleOperandsException.class,
        () -> enc.encode(new double[] {1e80}, SCALE));
  }
}
