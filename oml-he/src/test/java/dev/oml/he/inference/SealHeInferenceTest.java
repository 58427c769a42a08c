package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The HE inference protocol with both parties on the SEAL backend (INSECURE N = 4096 ring, as
 * {@link Shared}): hoisted rotations, conjugation and stated-kappa flooding through SEAL give the
 * float model's labels, and logits within the plan's estimated error. Skipped without the SEAL
 * library.
 */
class SealHeInferenceTest {
  @Test
  void threeImagesOnSealMatchTheFloatModel() {
    Assumptions.assumeTrue(HeBackends.isSealAvailable(),
        "SEAL native library not found: set OML_SEAL_LIBRARY to the full path of libomlseal "
            + "(build native/, see docs/he-backends.md)");
    HeBackend seal = HeBackends.seal();
    HeCompiledModel compiled = HeCompiledModel.compile(Shared.MODEL, Shared.FX.modelId, seal,
        HePlanOptions.builder().kappa(6).answerPrecisionBits(4).insecureRingForTesting(4096)
            .calibration(HeFixture.images(Shared.DATA, 0, 200)).build());
    HeUserSession user = HeUserSession.openInsecureForTesting(seal, compiled.plan().encode());
    HeOwnerSession owner = new HeOwnerSession(compiled, Shared.FX.gate);
    owner.acceptKeys(user.sessionKeys());
    double[][] imgs = HeFixture.images(Shared.DATA, 40, 3);
    HeQuery q = user.encrypt(imgs);
    byte[] query = PermittedQuery.create(Shared.FX.licensee, Shared.FX.permit(q), q.payload())
        .encode();
    HeResult r = user.decrypt(q, owner.answer(query));
    FloatInference fi = new FloatInference(Shared.MODEL);
    for (int i = 0; i < imgs.length; i++) {
      double[] want = fi.logits(imgs[i]);
      assertEquals(FloatInference.argmax(want), r.label(i), "image " + i);
      for (int j = 0; j < want.length; j++) {
        assertEquals(want[j], r.logits(i)[j], compiled.plan().estimatedError(),
            "image " + i + " logit " + j);
      }
    }
  }
}
