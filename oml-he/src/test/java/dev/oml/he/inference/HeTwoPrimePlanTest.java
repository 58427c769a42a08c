package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import dev.oml.he.HeParameters;
import dev.oml.he.NoiseBudgetException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The {@code kappa >= 40} plan: levels of two primes, scales above {@code 2^62}. At the real
 * N = 32768 the planner picks it for {@code kappa >= 40} and keeps it within the HE Standard's
 * 881 bits; at an INSECURE N = 2048 ring with the same chain the HE network answers with the
 * float model's labels on the pure-Java backend and on SEAL (where SEAL loads), and the two
 * backends' logits agree.
 */
class HeTwoPrimePlanTest {
  private static HePlanOptions.Builder kappa40() {
    return HePlanOptions.builder().kappa(40).answerPrecisionBits(4)
        .calibration(HeFixture.images(Shared.DATA, 0, 50));
  }

  @Test
  void atN32768Kappa40PicksTwoPrimeLevelsWithinTheStandardBound() {
    HePlanOptions o = kappa40().ringDegree(32768).build();
    assertEquals(2, o.primesPerLevel(), "chosen for N = 32768 and kappa >= 40");
    HeCompiledModel m = HeCompiledModel.compile(Shared.MODEL, Shared.FX.modelId,
        HeBackends.pureJava(), o);
    HeInferencePlan p = m.plan();
    HeParameters params = p.parameters();
    System.out.println("kappa 40 plan: " + p);
    assertFalse(params.isInsecure());
    assertEquals(32768, params.polyModulusDegree());
    assertTrue(params.totalModulusBits() <= HeCompiledModel.maxModulusBits(32768),
        "" + params.totalModulusBits());
    // Depth 5: base prime, two answer primes, ten level primes.
    assertEquals(13, params.coeffModulus().length);
    assertEquals(2, p.answerLevel());
    assertTrue(p.inputScale() > 0x1p62, "scale 2^" + Math.getExponent(p.inputScale()));
    assertEquals(40, p.kappa());
    assertTrue(p.floodBits() > 48, "a flood above one word of the sampler");
    assertTrue(p.estimatedError() <= 1.0 / 16, "" + p.estimatedError());
    // The published plan round-trips with its scale above 2^62.
    assertEquals(p.inputScale(), HeInferencePlan.decode(p.encode()).inputScale());
    // A kappa the chain cannot afford is refused, naming the largest that fits.
    NoiseBudgetException e = assertThrows(NoiseBudgetException.class,
        () -> HeCompiledModel.compile(Shared.MODEL, Shared.FX.modelId, HeBackends.pureJava(),
            kappa40().kappa(128).ringDegree(32768).build()));
    assertTrue(e.getMessage().contains("the largest kappa that fits is"), e.getMessage());
    System.out.println(e.getMessage());
    try {
      HeCompiledModel.compile(Shared.MODEL, Shared.FX.modelId, HeBackends.pureJava(),
          kappa40().kappa(128).build());
    } catch (NoiseBudgetException x) {
      System.out.println(x.getMessage());
    }
    // The default plan is unchanged: one prime per level below kappa 40 or at N = 16384.
    assertEquals(1, kappa40().kappa(6).ringDegree(32768).build().primesPerLevel());
    assertEquals(1, kappa40().build().primesPerLevel());
    assertThrows(IllegalArgumentException.class,
        () -> kappa40().primesPerLevel(2).build(), "two-prime levels need N = 32768");
  }

  @Test
  void theBatchPackingStaysOnOnePrimeLevels() {
    // Its constants are one word per prime: a secure N = 32768 batch plan at kappa 40 keeps
    // one-prime levels where the rows packing takes two, and asking for two is refused.
    assertEquals(1, kappa40().ringDegree(32768).packing(HePacking.BATCH).build()
        .primesPerLevel());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> kappa40().ringDegree(32768).packing(HePacking.BATCH).primesPerLevel(2).build());
    assertTrue(e.getMessage().contains("batch packing"), e.getMessage());
  }

  /** The pure-Java run, shared by the two tests below. */
  private static double[][] javaLogits;

  private static synchronized double[][] javaLogits() {
    if (javaLogits == null) {
      javaLogits = run(HeBackends.pureJava(), 2);
    }
    return javaLogits;
  }

  @Test
  void kappa40AtAnInsecureRingGivesTheFloatModelsLabels() {
    assertEquals(2, javaLogits().length);
  }

  @Test
  void sealRunsTheTwoPrimePlanAndAgreesWithJava() {
    Assumptions.assumeTrue(HeBackends.isSealAvailable(),
        "SEAL native library not found: set OML_SEAL_LIBRARY to the full path of libomlseal "
            + "(build native/, see docs/he-backends.md)");
    double[][] seal = run(HeBackends.seal(), 2);
    double[][] java = javaLogits();
    for (int i = 0; i < seal.length; i++) {
      for (int j = 0; j < seal[i].length; j++) {
        // Each is within the plan's error bound of the float logits, so within twice of each other.
        assertEquals(java[i][j], seal[i][j], 2.0 / 16, "image " + i + " logit " + j);
      }
    }
  }

  /**
   * The real plan: N = 32768, kappa 40, two 60-bit primes per level, on 32 images of the subset
   * (two ciphertexts of 16): the float model's labels, logits within the plan's bound. Minutes.
   */
  @Test
  @org.junit.jupiter.api.Tag("slow")
  void theRealKappa40PlanAgreesWithTheFloatModel() {
    HeCompiledModel compiled = HeCompiledModel.compile(Shared.MODEL, Shared.FX.modelId,
        HeBackends.pureJava(), kappa40().ringDegree(32768).build());
    HeInferencePlan plan = compiled.plan();
    assertEquals(2, plan.answerLevel());
    HeUserSession user = HeUserSession.open(HeBackends.pureJava(), plan.encode());
    HeOwnerSession owner = new HeOwnerSession(compiled, Shared.FX.gate);
    owner.acceptKeys(user.sessionKeys());
    FloatInference fi = new FloatInference(Shared.MODEL);
    int agree = 0;
    for (int from = 0; from < 32; from += 16) {
      double[][] imgs = HeFixture.images(Shared.DATA, from, 16);
      HeQuery q = user.encrypt(imgs);
      byte[] query = PermittedQuery.create(Shared.FX.licensee, Shared.FX.permit(q), q.payload())
          .encode();
      HeResult r = user.decrypt(q, owner.answer(query));
      for (int i = 0; i < imgs.length; i++) {
        double[] want = fi.logits(imgs[i]);
        agree += FloatInference.argmax(want) == r.label(i) ? 1 : 0;
        for (int j = 0; j < want.length; j++) {
          assertEquals(want[j], r.logits(i)[j], plan.estimatedError(), "image " + (from + i));
        }
      }
    }
    assertTrue(agree >= 31, "agreement " + agree + " of 32");
  }

  /** Logits of {@code count} images through the kappa-40 two-prime plan at INSECURE N = 2048. */
  private static double[][] run(HeBackend backend, int count) {
    HeCompiledModel compiled = HeCompiledModel.compile(Shared.MODEL, Shared.FX.modelId, backend,
        kappa40().insecureRingForTesting(2048).primesPerLevel(2).build());
    HeInferencePlan plan = compiled.plan();
    assertTrue(plan.inputScale() > 0x1p62);
    assertEquals(40, plan.kappa());
    HeUserSession user = HeUserSession.openInsecureForTesting(backend, plan.encode());
    HeOwnerSession owner = new HeOwnerSession(compiled, Shared.FX.gate);
    owner.acceptKeys(user.sessionKeys());
    double[][] imgs = HeFixture.images(Shared.DATA, 60, count);
    HeQuery q = user.encrypt(imgs);
    byte[] query = PermittedQuery.create(Shared.FX.licensee, Shared.FX.permit(q), q.payload())
        .encode();
    HeResult r = user.decrypt(q, owner.answer(query));
    FloatInference fi = new FloatInference(Shared.MODEL);
    double[][] out = new double[imgs.length][];
    for (int i = 0; i < imgs.length; i++) {
      double[] want = fi.logits(imgs[i]);
      assertEquals(FloatInference.argmax(want), r.label(i), "image " + i);
      for (int j = 0; j < want.length; j++) {
        assertEquals(want[j], r.logits(i)[j], plan.estimatedError(), "image " + i + " logit " + j);
      }
      out[i] = r.logits(i);
    }
    return out;
  }
}
