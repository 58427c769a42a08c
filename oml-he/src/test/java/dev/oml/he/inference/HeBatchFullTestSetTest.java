package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackends;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Utility of the batch packing at 128-bit parameters (N = 16384) with flooding: on the full
 * Fashion-MNIST test set (10,000 images in one query of at most 16,384: 8,192 in the real parts of the slots and 1,808 in the imaginary parts), the HE labels equal the
 * float model's on at least 99.9 % of the images. The plan floods at kappa 4 with 3 bits of
 * answer precision (the largest kappa that keeps them; see he-inference.md section 4b). Needs
 * the data set installed (skipped with a message otherwise) and about 8 GB of heap; slow (tens
 * of minutes on a shared machine): run with {@code -Pslow}.
 */
@Tag("slow")
class HeBatchFullTestSetTest {
  @Test
  void batchLabelsAgreeWithTheFloatModelOnTheFullTestSet() {
    Assumptions.assumeTrue(FashionMnist.systemInstalled(), "the Fashion-MNIST test set is not "
        + "installed at " + FashionMnist.SYSTEM_DIR + ": nothing to measure");
    Dataset test = FashionMnist.test(FashionMnist.SYSTEM_DIR);
    HeFixture fx = new HeFixture(1_000_000);
    HeCompiledModel cm = HeCompiledModel.compile(HeFixture.model("he-network.omlm"), fx.modelId,
        HeBackends.pureJava(), HePlanOptions.builder().kappa(4).answerPrecisionBits(3)
            .packing(HePacking.BATCH).calibration(HeFixture.images(HeFixture.subset(), 0, 200))
            .build());
    HeUserSession user = HeUserSession.open(HeBackends.pureJava(), cm.plan().encode());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    FloatInference fi = new FloatInference(cm.model());
    int agree = 0;
    try {
      HeOwnerSession owner = new HeOwnerSession(cm, fx.gate, pool);
      owner.acceptKeys(user.sessionKeys());
      int most = cm.plan().imagesPerCiphertext();
      for (int from = 0; from < test.size(); from += most) {
        double[][] imgs = HeFixture.images(test, from, Math.min(most, test.size() - from));
        HeQuery q = user.encrypt(imgs);
        byte[] first = PermittedQuery.create(fx.licensee, fx.permit(q), q.payload()).encode();
        HeResult r = user.decrypt(q, owner.answer(first));
        for (int i = 0; i < imgs.length; i++) {
          agree += r.label(i) == fi.label(imgs[i]) ? 1 : 0;
        }
      }
    } finally {
      pool.shutdown();
    }
    double agreement = (double) agree / test.size();
    System.out.printf("batch packing, full test set: %d of %d labels agree (%.4f)%n", agree,
        test.size(), agreement);
    assertTrue(agreement >= 0.999, "agreement " + agreement);
  }
}
