package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.Shape;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.Ciphertext;
import dev.oml.he.HeBackends;
import dev.oml.he.inference.internal.Layout;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The user plays attacker. (1) It packs two images into a ciphertext but pays for one: the
 * second image's lane and every non-output slot come back as noise around zero; or it hides a
 * second image in the imaginary parts, which the owner discards. (2) Two models
 * with the same plan and the same output on the user's input differ only in weights the input
 * multiplies by its own encryption noise; a user who decrypts its own input knows that noise
 * and names the model from fifteen unflooded answers almost always, and at chance from seven
 * flooded ones (INSECURE N = 1024 ring, kappa = 6: at most 7 * 2^-6 apart, where a test can
 * see the difference).
 */
class HeAttackTest {
  @Test
  void lanesBeyondThePermittedImagesAndNonOutputSlotsComeBackEmpty() {
    HeOwnerSession owner = Shared.owner();
    HeInferencePlan plan = Shared.COMPILED.plan();
    double[][] imgs = HeFixture.images(Shared.DATA, 30, 2);
    Layout lay = new Layout(plan.features() * plan.imagesPerCiphertext(), plan.features(),
        plan.imagesPerCiphertext());
    Ciphertext both = Shared.USER.encryptSlots(lay.pack(imgs, 0, 2, plan.inputSize()));
    HeQuery claimOne = Shared.USER.buildQuery(1, both);
    byte[] first = PermittedQuery.create(Shared.FX.licensee, Shared.FX.permit(claimOne),
        claimOne.payload()).encode();
    byte[] answer = owner.answer(first);
    double[] slots = Shared.USER.answerSlots(claimOne, answer)[0];
    FloatInference fi = new FloatInference(Shared.MODEL);
    double[] want0 = fi.logits(imgs[0]);
    double[] want1 = fi.logits(imgs[1]);
    double tol = plan.estimatedError();
    int lanes = plan.imagesPerCiphertext();
    double secondLaneGap = 0;
    for (int f = 0; f < plan.features(); f++) {
      for (int b = 0; b < lanes; b++) {
        double v = slots[f * lanes + b];
        if (b == 0 && f < plan.outputSize()) {
          assertEquals(want0[f], v, tol, "permitted image, logit " + f);
        } else {
          assertEquals(0.0, v, tol, "slot of feature " + f + ", lane " + b);
        }
        if (b == 1 && f < plan.outputSize()) {
          secondLaneGap = Math.max(secondLaneGap, Math.abs(want1[f]));
        }
      }
    }
    assertTrue(secondLaneGap > 10 * tol, "the unpaid image's logits are far from zero");
    assertEquals(1, Shared.USER.decrypt(claimOne, answer).size());
  }

  @Test
  void imaginaryPartsNeverReachTheWeights() {
    // A deviating user hides a second image in the imaginary parts, hoping the first layer
    // computes on both. The owner keeps only x + conj(x): the answer is the real image's.
    HeOwnerSession owner = Shared.owner();
    HeInferencePlan plan = Shared.COMPILED.plan();
    assertTrue(plan.needsConjugationKey());
    double[][] imgs = HeFixture.images(Shared.DATA, 40, 2);
    int lanes = plan.imagesPerCiphertext();
    Layout lay = new Layout(plan.features() * lanes, plan.features(), lanes);
    double[] re = lay.pack(imgs, 0, 1, plan.inputSize());
    double[] im = lay.pack(imgs, 1, 1, plan.inputSize());
    HeQuery q = Shared.USER.buildQuery(1, Shared.USER.encryptComplex(re, im));
    byte[] first = PermittedQuery.create(Shared.FX.licensee, Shared.FX.permit(q), q.payload())
        .encode();
    HeResult r = Shared.USER.decrypt(q, owner.answer(first));
    double[] want = new FloatInference(Shared.MODEL).logits(imgs[0]);
    for (int j = 0; j < want.length; j++) {
      assertEquals(want[j], r.logits(0)[j], plan.estimatedError(), "logit " + j);
    }
  }

  private static Model twin(boolean second) {
    // Rows: y0 = x0 for both; A: y1 = 64 x1, B: y2 = 64 x2. On x = e0 both answer (1, 0, 0),
    // and the 64s sit on the unrotated diagonal, so only the input's own noise reaches them.
    double[] w = new double[3 * 4];
    w[0] = 1.0;
    if (second) {
      w[2 * 4 + 2] = 64.0;
    } else {
      w[1 * 4 + 1] = 64.0;
    }
    return Model.of(second ? "twin-b" : "twin-a", Shape.vector(4),
        List.of(new Dense(4, 3, w, new double[3])), FixedPointFormat.of(48, 12), 8);
  }

  /** Fraction of trials in which the noise-matching distinguisher names the right model. */
  private static double distinguisherAccuracy(boolean flood, int trials, int votes) {
    HeFixture fx = new HeFixture(1_000_000);
    double[][] cal = {{1, 0, 0, 0}};
    HePlanOptions.Builder ob = HePlanOptions.builder().insecureRingForTesting(1024)
        .calibration(cal).answerPrecisionBits(0);
    if (flood) {
      ob.kappa(6);
    } else {
      ob.withoutFloodingForMeasurement();
    }
    HePlanOptions opts = ob.build();
    HeCompiledModel a = HeCompiledModel.compile(twin(false), fx.modelId, HeBackends.pureJava(), opts);
    HeCompiledModel b = HeCompiledModel.compile(twin(true), fx.modelId, HeBackends.pureJava(), opts);
    // Equal row norms give equal estimates: the two public plans are the same bytes.
    assertEquals(java.util.HexFormat.of().formatHex(a.plan().planId()),
        java.util.HexFormat.of().formatHex(b.plan().planId()));
    HeUserSession user = HeUserSession.openInsecureForTesting(HeBackends.pureJava(), a.plan().encode());
    HeOwnerSession oa = new HeOwnerSession(a, fx.gate);
    oa.acceptKeys(user.sessionKeys());
    HeOwnerSession obb = new HeOwnerSession(b, fx.gate);
    obb.acceptKeys(user.sessionKeys());
    Layout lay = new Layout(512, 4, 128);
    int lanes = a.plan().imagesPerCiphertext();
    Random coin = new Random(7);
    int right = 0;
    for (int i = 0; i < trials; i++) {
      boolean isB = coin.nextBoolean();
      // Several answers of the same model per decision: the key switch of the owner's
      // conjugation adds noise the user cannot predict, so one answer is not always enough.
      double margin = 0;
      for (int v = 0; v < votes; v++) {
        Ciphertext x = user.encryptSlots(lay.pack(cal, 0, 1, 4));
        double[] z = user.decryptSlots(x);
        HeQuery q = user.buildQuery(1, x);
        byte[] first = PermittedQuery.create(fx.licensee, fx.permit(q), q.payload()).encode();
        byte[] ans = isB ? obb.answer(first) : oa.answer(first);
        double[] o = user.answerSlots(q, ans)[0];
        double o1 = o[lanes];
        double o2 = o[2 * lanes];
        double scoreA = Math.abs(o1 - 64 * z[lanes]) + Math.abs(o2);
        double scoreB = Math.abs(o1) + Math.abs(o2 - 64 * z[2 * lanes]);
        margin += scoreA - scoreB;
      }
      boolean saysB = margin > 0;
      right += saysB == isB ? 1 : 0;
    }
    return right / (double) trials;
  }

  @Test
  void noiseNamesTheModelWithoutFloodingButNotWithIt() {
    double plain = distinguisherAccuracy(false, 30, 15);
    double flooded = distinguisherAccuracy(true, 150, 7);
    System.out.printf("distinguisher accuracy: unflooded %.3f, flooded %.3f%n", plain, flooded);
    assertTrue(plain > 0.9, "unflooded: " + plain);
    assertTrue(Math.abs(flooded - 0.5) < 0.16, "flooded: " + flooded);
  }
}
