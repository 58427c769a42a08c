package dev.oml.he.inference;

import dev.oml.core.data.Dataset;
import dev.oml.core.model.Model;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Figures, not assertions: for the HE network at 128-bit parameters (N = 16384), with and
 * without flooding, the one-off session keys (bytes, time), single-image latency (cold: the
 * owner encodes its diagonals on the first query; warm: cached), batched throughput per image,
 * and bytes per query and answer. Slow-tagged; also a main. JMH benchmarks belong in oml-bench.
 */
@Tag("slow")
public final class HeInferenceFigures {
  static void measure(HeBackend backend, boolean flood) {
    measure(backend, flood, false);
  }

  static void measure(HeBackend backend, boolean flood, boolean hoisted) {
    HeFixture fx = new HeFixture(Long.MAX_VALUE / 2);
    Model model = HeFixture.model("he-network.omlm");
    Dataset data = HeFixture.subset();
    HePlanOptions.Builder ob = HePlanOptions.builder().answerPrecisionBits(4)
        .hoistedRotations(hoisted)
        .calibration(HeFixture.images(data, 0, 200));
    if (flood) {
      ob.kappa(6);
    } else {
      ob.withoutFloodingForMeasurement();
    }
    HeCompiledModel cm = HeCompiledModel.compile(model, fx.modelId, backend, ob.build());
    long t = System.nanoTime();
    HeUserSession user = HeUserSession.open(backend, cm.plan().encode());
    double keyMs = (System.nanoTime() - t) / 1e6;
    HeOwnerSession owner = new HeOwnerSession(cm, fx.gate);
    owner.acceptKeys(user.sessionKeys());
    System.out.printf("%s backend=%s flooding=%s hoisted=%s%n", cm.plan(), backend.name(), flood,
        hoisted);
    System.out.printf("  session keys: %d bytes (plan %d bytes), keygen %.0f ms, rotations per "
        + "ciphertext %d%n", user.sessionKeys().length, cm.plan().encode().length, keyMs,
        cm.rotationsPerCiphertext());
    FloatInference fi = new FloatInference(model);
    // Cold: the owner encodes the masked layers' diagonals for this lane count; warm: cached.
    for (int images : new int[] {1, 1, 1, 8, 8, 16}) {
      double[][] imgs = HeFixture.images(data, 100, images);
      long t0 = System.nanoTime();
      HeQuery q = user.encrypt(imgs);
      long t1 = System.nanoTime();
      byte[] first = PermittedQuery.create(fx.licensee, fx.permit(q), q.payload()).encode();
      long t2 = System.nanoTime();
      byte[] answer = owner.answer(first);
      long t3 = System.nanoTime();
      HeResult r = user.decrypt(q, answer);
      long t4 = System.nanoTime();
      int agree = 0;
      for (int i = 0; i < images; i++) {
        agree += r.label(i) == fi.label(imgs[i]) ? 1 : 0;
      }
      double total = (t1 - t0 + t3 - t2 + t4 - t3) / 1e6;
      System.out.printf("  n=%2d: encrypt %6.0f ms, owner %6.0f ms, decrypt %5.0f ms, total %6.0f "
          + "ms = %5.0f ms/image; query %d bytes (%d/image), answer %d bytes; agree %d/%d%n",
          images, (t1 - t0) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6, total, total / images,
          first.length, first.length / images, answer.length, agree, images);
    }
  }

  @Test
  void printFigures() {
    main(new String[0]);
  }

  public static void main(String[] args) {
    measure(HeBackends.pureJava(), true);
    measure(HeBackends.pureJava(), false);
    measure(HeBackends.pureJava(), true, true);
    if (HeBackends.isSealAvailable()) {
      measure(HeBackends.seal(), true);
    }
  }
}
