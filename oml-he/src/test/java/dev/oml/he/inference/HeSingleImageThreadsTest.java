package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.Decryptor;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.KeyGenerator;
import dev.oml.he.RelinKeys;
import dev.oml.he.inference.internal.Layout;
import dev.oml.he.seal.internal.SealNative;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * One ciphertext evaluated with a second thread inside its linear steps gives exactly the
 * one-thread answer (same operations, so the same residues), which agrees with the float model;
 * with chained and with hoisted baby steps, on each backend.
 */
class HeSingleImageThreadsTest {
  private static final int IN = 33;

  private static Model model(Random r) {
    // A hybrid layer with a rotate-and-sum (33 -> 17), a square, the square-method last layer.
    return Model.of("threads", Shape.vector(IN), List.of(
        new Dense(IN, 17, random(r, IN * 17, 0.5), random(r, 17, 0.2)), new Square(),
        new Dense(17, 9, random(r, 17 * 9, 0.5), random(r, 9, 0.2))),
        FixedPointFormat.of(48, 12), 8);
  }

  private static double[] random(Random r, int n, double s) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = s * (2 * r.nextDouble() - 1);
    }
    return v;
  }

  private static void sameAnswerOnTwoThreads(HeBackend backend, boolean hoisted) {
    Random r = new Random(5);
    Model model = model(r);
    double[][] inputs = {random(r, IN, 1), random(r, IN, 1)};
    HeFixture fx = new HeFixture(1000);
    HeCompiledModel m = HeCompiledModel.compile(model, fx.modelId, backend,
        HePlanOptions.builder().kappa(2).answerPrecisionBits(4).insecureRingForTesting(1024)
            .hoistedRotations(hoisted).calibration(inputs).build());
    HeInferencePlan plan = m.plan();
    HeContext ctx = m.context();
    KeyGenerator kg = ctx.keyGenerator();
    RelinKeys rk = kg.createRelinKeys();
    GaloisKeys gk = kg.createGaloisKeysWithConjugation(plan.rotationSteps());
    Decryptor dec = ctx.decryptor(kg.secretKey());
    CkksEncoder enc = ctx.ckksEncoder();
    int lanes = plan.imagesPerCiphertext();
    Layout lay = new Layout(plan.features() * lanes, plan.features(), lanes);
    Ciphertext c = ctx.encryptor(kg.createPublicKey())
        .encrypt(enc.encode(lay.pack(inputs, 0, 2, IN), plan.inputScale()));
    AtomicInteger offered = new AtomicInteger();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      double[] one = enc.decode(dec.decrypt(m.evaluateUnflooded(c, 2, rk, gk)));
      double[] two = enc.decode(dec.decrypt(m.evaluateUnflooded(c, 2, rk, gk, task -> {
        offered.incrementAndGet();
        pool.execute(task);
      })));
      // Where key switches split in the native library (SEAL), the second thread is the
      // library's own and a step's work is never offered to the executor; elsewhere it is.
      boolean nativeSplit = ctx.evaluator().withKeySwitchThreads(2).keySwitchThreads() > 1;
      assertTrue(nativeSplit || offered.get() > 0, "work was offered to the second thread");
      assertArrayEquals(one, two, 0.0, "the same residues on one and on two threads");
      FloatInference fi = new FloatInference(model);
      for (int b = 0; b < inputs.length; b++) {
        double[] want = fi.logits(inputs[b]);
        for (int j = 0; j < want.length; j++) {
          assertEquals(want[j], two[j * lanes + b], plan.estimatedError(), "image " + b);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    // Through the owner session with an executor: one ciphertext, the same labels.
    ExecutorService ex = Executors.newFixedThreadPool(2);
    try {
      HeUserSession u = HeUserSession.openInsecureForTesting(backend, plan.encode());
      HeOwnerSession o = new HeOwnerSession(m, fx.gate, ex);
      o.acceptKeys(u.sessionKeys());
      HeQuery q = u.encrypt(inputs);
      HeResult res = u.decrypt(q, o.answer(PermittedQuery.create(fx.licensee, fx.permit(q),
          q.payload()).encode()));
      FloatInference fi = new FloatInference(model);
      for (int b = 0; b < inputs.length; b++) {
        double[] want = fi.logits(inputs[b]);
        for (int j = 0; j < want.length; j++) {
          assertEquals(want[j], res.logits(b)[j], plan.estimatedError(), "image " + b);
        }
      }
    } finally {
      ex.shutdownNow();
    }
  }

  @Test
  void pureJavaChainedAndHoisted() {
    sameAnswerOnTwoThreads(HeBackends.pureJava(), false);
    sameAnswerOnTwoThreads(HeBackends.pureJava(), true);
  }

  @Test
  void sealChainedAndHoisted() {
    Assumptions.assumeTrue(SealNative.isAvailable(), "SEAL native library not loaded");
    sameAnswerOnTwoThreads(HeBackends.seal(), false);
    sameAnswerOnTwoThreads(HeBackends.seal(), true);
  }
}
