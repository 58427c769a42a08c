package dev.oml.he.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.Evaluator;
import dev.oml.he.FloodingBudget;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.HeScheme;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.KeyGenerator;
import dev.oml.he.NoiseBudgetException;
import dev.oml.he.Plaintext;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.conformance.TestParameters;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * The shared validation layer on real objects of the pure-Java backend (the SEAL backend calls
 * the same methods; its conformance suite runs where SEAL is installed): each check refuses with
 * its typed error and lets the matching operand through.
 */
class OperandChecksTest {
  private final HeContext ctx = HeBackends.pureJava().createContext(TestParameters.INSECURE_CKKS);
  private final OperandChecks checks = new OperandChecks(TestParameters.INSECURE_CKKS);
  private final KeyGenerator kg = ctx.keyGenerator();
  private final CkksEncoder enc = ctx.ckksEncoder();
  private final Evaluator ev = ctx.evaluator();
  private final double scale = Math.pow(2, 30);

  private Ciphertext fresh() {
    return ctx.encryptor(kg.secretKey()).encrypt(enc.encode(new double[] {1, 2, 3}, scale));
  }

  @Test
  void ownAcceptsItsParametersAndBackendOnly() {
    Ciphertext c = fresh();
    assertSame(c, checks.own(c, Ciphertext.class, "ciphertext"));
    assertThrows(NullPointerException.class, () -> checks.own(null, Ciphertext.class, "x"));
    ContextMismatchException other = assertThrows(ContextMismatchException.class,
        () -> new OperandChecks(PredefinedParameters.CKKS_N8192).own(c, Ciphertext.class, "ct"));
    assertTrue(other.getMessage().contains("made under parameters"), other.getMessage());
    ContextMismatchException backend = assertThrows(ContextMismatchException.class,
        () -> checks.own(c, Plaintext.class, "plaintext"));
    assertTrue(backend.getMessage().contains("another backend"), backend.getMessage());
  }

  @Test
  void levelsScalesAndSizesMustFit() {
    Ciphertext c = fresh();
    Ciphertext lower = ev.modSwitchToNext(c);
    assertThrows(IncompatibleOperandsException.class, () -> checks.sameLevel(c, lower));
    checks.sameLevelAndScale(c, fresh());
    assertThrows(IncompatibleOperandsException.class, () -> checks.sameScale(scale, 2 * scale));
    Plaintext low = enc.encode(new double[] {1}, new double[0], scale, lower.level());
    assertThrows(IncompatibleOperandsException.class, () -> checks.plainFits(c, low, false));
    checks.plainFits(lower, low, true);
    Plaintext other = enc.encode(new double[] {1}, new double[0], 2 * scale, c.level());
    checks.plainFits(c, other, false);
    assertThrows(IncompatibleOperandsException.class, () -> checks.plainFits(c, other, true));
    Ciphertext three = ev.multiply(c, c);
    assertEquals(3, three.size());
    assertThrows(IncompatibleOperandsException.class, () -> checks.sizeTwo(three, "rotation"));
    Ciphertext bottom = ev.modSwitchTo(c, 0);
    assertThrows(IncompatibleOperandsException.class,
        () -> checks.aboveLevelZero(bottom, "rescale"));
    assertThrows(IncompatibleOperandsException.class, () -> checks.switchTarget(lower, c.level()));
    assertThrows(IncompatibleOperandsException.class,
        () -> checks.requireScheme(HeScheme.BFV, "rotateRows"));
  }

  @Test
  void aFloodingBudgetMustBeMadeForTheCiphertext() {
    Ciphertext c = fresh();
    FloodingBudget here = FloodingBudget.forCkksStatedKappa(TestParameters.INSECURE_CKKS, 8,
        BigInteger.TEN, c.level());
    checks.floodingBudget(here, c);
    FloodingBudget otherLevel = FloodingBudget.forCkksStatedKappa(TestParameters.INSECURE_CKKS, 8,
        BigInteger.TEN, c.level() - 1);
    assertThrows(IncompatibleOperandsException.class, () -> checks.floodingBudget(otherLevel, c));
    FloodingBudget otherParams = FloodingBudget.forCkksStatedKappa(
        PredefinedParameters.CKKS_N8192, 8, BigInteger.TEN, 1);
    assertThrows(ContextMismatchException.class, () -> checks.floodingBudget(otherParams, c));
    // Secure parameters refuse kappa below 40 unless the budget states it.
    OperandChecks secure = new OperandChecks(PredefinedParameters.CKKS_N8192);
    assertThrows(NoiseBudgetException.class, () -> FloodingBudget.forCkks(
        PredefinedParameters.CKKS_N8192, 8, 1, BigInteger.TEN, 1, scale, 1));
    assertTrue(otherParams.isStatedBelowMinimum());
    assertEquals(PredefinedParameters.CKKS_N8192, secure.parameters());
  }

  @Test
  void gaussianBudgetsSizeSigmaFromTheNoiseNorm() {
    FloodingBudget g = FloodingBudget.forCkksGaussian(TestParameters.INSECURE_CKKS, 6, 1000.0, 1);
    assertTrue(g.isGaussian());
    assertEquals(64_000.0, g.gaussianSigma());
    assertEquals(16, g.floodBits(), "ceil(log2 64000)");
    // Above the wide sampler's 2^183, and a flood that would wrap a 60-bit level.
    assertThrows(NoiseBudgetException.class,
        () -> FloodingBudget.forCkksGaussian(TestParameters.INSECURE_CKKS, 150, 1e12, 1));
    assertThrows(NoiseBudgetException.class,
        () -> FloodingBudget.forCkksGaussian(TestParameters.INSECURE_CKKS, 40, 1e9, 0));
    // The wide sampler above 2^48: its parts, weighted by powers of 2^45, have the asked
    // deviation (two parts at 2^70, three at 2^120).
    for (double wide : new double[] {0x1p70 * 1.3, 0x1p120 * 1.7}) {
      long[][] parts = GaussianFlood.sampleWide(4096, wide);
      assertEquals(wide < 0x1p93 ? 2 : 3, parts.length);
      double wsq = 0;
      for (int i = 0; i < 4096; i++) {
        double v = 0;
        for (long[] p : parts) {
          v = Math.scalb(v, GaussianFlood.WIDE_SHIFT) + p[i];
        }
        wsq += v * v;
      }
      assertEquals(wide, Math.sqrt(wsq / 4096), 0.05 * wide);
    }
    assertThrows(IllegalArgumentException.class, () -> GaussianFlood.sampleWide(16, 0x1p47));
    long[] e = GaussianFlood.sample(4096, g.gaussianSigma());
    double sq = 0;
    for (long v : e) {
      sq += (double) v * v;
    }
    double sd = Math.sqrt(sq / e.length);
    // The sample deviation of 4096 draws is within 5 % of sigma except with tiny probability.
    assertEquals(g.gaussianSigma(), sd, 0.05 * g.gaussianSigma());
  }
}
