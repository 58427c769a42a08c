package dev.oml.he.inference;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import java.nio.file.Path;

/**
 * Runs the HE network through the full protocol at 128-bit parameters (N = 16384, flooding at
 * the given kappa) over a dataset, 8 images per query, and reports the agreement of the HE
 * labels with the float model's, the HE accuracy, the largest logit error and the time per
 * image (system property {@code oml.he.threads}: owner threads, one ciphertext each). Used by
 * {@link HeSubsetAgreementTest}; as a main:
 * {@code HeAgreementRun [data-dir|subset] [limit] [kappa] [precisionBits]}.
 */
public final class HeAgreementRun {
  /** What a run measured. */
  record Result(int images, int agree, int correct, double maxError, double msPerImage) {
    double agreement() {
      return agree / (double) images;
    }
  }

  static Result run(Dataset data, int limit, int kappa, int precisionBits, HeBackend backend,
      boolean print) {
    HeFixture fx = new HeFixture(Long.MAX_VALUE / 2);
    Model model = HeFixture.model("he-network.omlm");
    Dataset cal = HeFixture.subset();
    HeCompiledModel cm = HeCompiledModel.compile(model, fx.modelId, backend,
        HePlanOptions.builder().kappa(kappa).answerPrecisionBits(precisionBits)
            .calibration(HeFixture.images(cal, 0, 200)).build());
    HeUserSession user = HeUserSession.open(backend, cm.plan().encode());
    int threads = Integer.getInteger("oml.he.threads", 1);
    java.util.concurrent.ExecutorService pool = threads > 1
        ? java.util.concurrent.Executors.newFixedThreadPool(threads) : null;
    HeOwnerSession owner = new HeOwnerSession(cm, fx.gate, pool);
    owner.acceptKeys(user.sessionKeys());
    FloatInference fi = new FloatInference(model);
    int n = Math.min(limit, data.size());
    int batch = cm.plan().imagesPerCiphertext() * Math.max(1, threads);
    int agree = 0;
    int correct = 0;
    double maxErr = 0;
    long t0 = System.nanoTime();
    for (int from = 0; from < n; from += batch) {
      int count = Math.min(batch, n - from);
      double[][] imgs = HeFixture.images(data, from, count);
      HeQuery q = user.encrypt(imgs);
      byte[] first = PermittedQuery.create(fx.licensee, fx.permit(q), q.payload()).encode();
      HeResult r = user.decrypt(q, owner.answer(first));
      for (int i = 0; i < count; i++) {
        double[] want = fi.logits(imgs[i]);
        for (int j = 0; j < want.length; j++) {
          maxErr = Math.max(maxErr, Math.abs(want[j] - r.logits(i)[j]));
        }
        agree += r.label(i) == FloatInference.argmax(want) ? 1 : 0;
        correct += r.label(i) == data.label(from + i) ? 1 : 0;
      }
      if (print && (from / batch) % (25 / Math.max(1, threads)) == 0) {
        System.out.printf("%d/%d agree %d correct %d maxErr %.4f %.0f ms/image%n", from + count,
            n, agree, correct, maxErr, (System.nanoTime() - t0) / 1e6 / (from + count));
      }
    }
    if (pool != null) {
      pool.shutdown();
    }
    Result res = new Result(n, agree, correct, maxErr, (System.nanoTime() - t0) / 1e6 / n);
    if (print) {
      System.out.println(cm.plan());
      System.out.printf("images %d he_agreement %.4f he_accuracy %.4f max_logit_error %.4f "
          + "ms_per_image %.0f%n", n, res.agreement(), correct / (double) n, maxErr,
          res.msPerImage());
    }
    return res;
  }

  public static void main(String[] args) {
    Dataset d = args.length == 0 || args[0].equals("subset") ? HeFixture.subset()
        : FashionMnist.test(Path.of(args[0]));
    int limit = args.length > 1 ? Integer.parseInt(args[1]) : Integer.MAX_VALUE;
    int kappa = args.length > 2 ? Integer.parseInt(args[2]) : 6;
    int bits = args.length > 3 ? Integer.parseInt(args[3]) : 4;
    run(d, limit, kappa, bits, HeBackends.pureJava(), true);
  }
}
