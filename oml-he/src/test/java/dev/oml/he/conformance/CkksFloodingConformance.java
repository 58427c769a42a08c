package dev.oml.he.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.Evaluator;
import dev.oml.he.FloodingBudget;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.KeyGenerator;
import dev.oml.he.NoiseBudgetException;
import dev.oml.he.PublicKey;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * CKKS re-randomization and flooding ({@link FloodingBudget#forCkksStatedKappa} with
 * {@link Evaluator#rerandomize}): the message survives within the flood's size, both components
 * change, the flood has the size the budget says, budgets sized for another level are refused,
 * and a flood that would wrap the modulus is refused at construction. Conjugation
 * ({@link Evaluator#conjugate}), which the HE mode uses to keep only real parts of inputs.
 */
public abstract class CkksFloodingConformance {
  protected abstract HeBackend backend();

  @Test
  void rerandomizedAndFloodedCkksKeepsTheMessageWithinTheFlood() {
    HeContext ctx = backend().createContext(TestParameters.INSECURE_CKKS);
    KeyGenerator kg = ctx.keyGenerator();
    PublicKey pk = kg.createPublicKey();
    CkksEncoder enc = ctx.ckksEncoder();
    Evaluator ev = ctx.evaluator();
    double[] v = uniform(enc.slotCount(), new Random(1));
    Ciphertext x = ev.rescale(ev.multiplyPlain(ctx.encryptor(pk).encrypt(enc.encode(v, 0x1p40)),
        enc.encode(ones(enc.slotCount()), new double[0], 0x1p40, 4)));
    FloodingBudget b = FloodingBudget.forCkksStatedKappa(ctx.parameters(), 8, BigInteger.valueOf(1000),
        x.level());
    assertEquals(8 + 21, b.floodBits(), "2^8 * N * B_eval = 2^8 * 2^11 * 1000 < 2^29");
    Ciphertext y = ev.rerandomize(x, pk, b);
    long[][][] cx = ctx.exportComponents(x);
    long[][][] cy = ctx.exportComponents(y);
    assertNotEquals(cx[1][0][0], cy[1][0][0], "second component re-randomized");
    double[] got = enc.decode(ctx.decryptor(kg.secretKey()).decrypt(y));
    double floodSlot = 10 * Math.pow(2, b.floodBits()) * Math.sqrt(2048 / 6.0) / x.scale();
    double maxErr = maxError(got, v, null);
    assertTrue(maxErr < floodSlot, maxErr + " vs " + floodSlot);
    assertTrue(maxErr > floodSlot / 1000, "the flood is there: " + maxErr);
    FloodingBudget other = FloodingBudget.forCkksStatedKappa(ctx.parameters(), 8, BigInteger.TEN, 0);
    assertThrows(IncompatibleOperandsException.class, () -> ev.rerandomize(x, pk, other));
    assertThrows(NoiseBudgetException.class, () ->
        FloodingBudget.forCkksStatedKappa(ctx.parameters(), 60, BigInteger.ONE.shiftLeft(40), 0));
  }

  @Test
  void conjugationConjugatesEverySlot() {
    HeContext ctx = backend().createContext(TestParameters.INSECURE_CKKS);
    KeyGenerator kg = ctx.keyGenerator();
    CkksEncoder enc = ctx.ckksEncoder();
    Random r = new Random(2);
    double[] re = new double[enc.slotCount()];
    double[] im = new double[enc.slotCount()];
    for (int i = 0; i < re.length; i++) {
      re[i] = 2 * r.nextDouble() - 1;
      im[i] = 2 * r.nextDouble() - 1;
    }
    Ciphertext x = ctx.encryptor(kg.createPublicKey()).encrypt(enc.encode(re, im, 0x1p40, 4));
    dev.oml.he.GaloisKeys gk = kg.createGaloisKeysWithConjugation(1);
    Evaluator ev = ctx.evaluator();
    double[][] c = enc.decodeComplex(ctx.decryptor(kg.secretKey()).decrypt(ev.conjugate(x, gk)));
    double[][] sum = enc.decodeComplex(ctx.decryptor(kg.secretKey()).decrypt(
        ev.add(x, ev.conjugate(x, gk))));
    for (int i = 0; i < re.length; i++) {
      assertEquals(re[i], c[0][i], 1e-6);
      assertEquals(-im[i], c[1][i], 1e-6);
      assertEquals(2 * re[i], sum[0][i], 1e-6);
      assertEquals(0.0, sum[1][i], 1e-6);
    }
    // The same keys still rotate, and keys without conjugation refuse to conjugate.
    ev.rotate(x, 1, gk);
    assertThrows(IncompatibleOperandsException.class,
        () -> ev.conjugate(x, kg.createGaloisKeys(1)));
    // Conjugation keys survive serialization.
    dev.oml.he.GaloisKeys back = ctx.serializer().loadGaloisKeys(ctx.serializer().save(gk));
    ev.conjugate(x, back);
  }

  /**
   * The two-prime chain of the {@code kappa >= 40} HE plan: a scale of about {@code 2^110}
   * (above the 62 bits of one word), a plaintext product at the scale of two primes, a rescale
   * by each of them (one level of two primes), and Gaussian flooding of standard deviation
   * {@code 2^70} (the two-part sampler). The message comes back far more precisely than a
   * one-word scale allows, and the slots' error has the flood's standard deviation.
   */
  @Test
  void twoPrimeLevelsKeepScalesAboveOneWordAndFloodAboveOneWord() {
    HeContext ctx = backend().createContext(dev.oml.he.HeParameters.builder(
        dev.oml.he.HeScheme.CKKS).polyModulusDegree(2048).coeffModulusBits(60, 60, 60, 60, 60)
        .specialPrimeBits(60).insecureForTesting().name("INSECURE-CKKS-N2048-2P").build());
    KeyGenerator kg = ctx.keyGenerator();
    PublicKey pk = kg.createPublicKey();
    CkksEncoder enc = ctx.ckksEncoder();
    Evaluator ev = ctx.evaluator();
    long[] q = ctx.parameters().coeffModulus();
    Random r = new Random(3);
    double[] v = uniform(enc.slotCount(), r);
    double[] w = uniform(enc.slotCount(), r);
    double scale = 0x1.3p110;
    Ciphertext x = ctx.encryptor(pk).encrypt(enc.encode(v, scale));
    double pair = (double) q[4] * (double) q[3];
    Ciphertext y = ev.rescale(ev.rescale(ev.multiplyPlain(x, enc.encode(w, new double[0], pair,
        4))));
    assertEquals(2, y.level());
    assertEquals(scale, y.scale(), scale * 1e-12, "the scale survives the two-prime rescale");
    double[] got = enc.decode(ctx.decryptor(kg.secretKey()).decrypt(y));
    double maxErr = maxError(got, v, w);
    // Noise of about 2^15 at 2^110, against about 2^-20 at a one-word scale of 2^40.
    assertTrue(maxErr < 1e-12, "error " + maxErr);
    FloodingBudget b = FloodingBudget.forCkksGaussian(ctx.parameters(), 40, 0x1p30, y.level());
    assertEquals(0x1p70, b.gaussianSigma());
    double[] f = enc.decode(ctx.decryptor(kg.secretKey()).decrypt(ev.rerandomize(y, pk, b)));
    double sq = 0;
    for (int i = 0; i < v.length; i++) {
      sq += (f[i] - got[i]) * (f[i] - got[i]);
    }
    // A slot's real part sums N coefficients with weights whose squares average one half.
    double want = b.gaussianSigma() * Math.sqrt(2048 / 2.0) / y.scale();
    double sd = Math.sqrt(sq / v.length);
    assertEquals(want, sd, want * 0.1, "flood standard deviation in the slots");
  }

  /** {@code n} values uniform in {@code [-1, 1)}. */
  private static double[] uniform(int n, Random r) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = 2 * r.nextDouble() - 1;
    }
    return a;
  }

  /** The largest {@code |got[i] - v[i] * w[i]|} ({@code w} null: all ones). */
  private static double maxError(double[] got, double[] v, double[] w) {
    double max = 0;
    for (int i = 0; i < v.length; i++) {
      max = Math.max(max, Math.abs(got[i] - v[i] * (w == null ? 1.0 : w[i])));
    }
    return max;
  }

  private static double[] ones(int n) {
    double[] a = new double[n];
    java.util.Arrays.fill(a, 1.0);
    return a;
  }
}
