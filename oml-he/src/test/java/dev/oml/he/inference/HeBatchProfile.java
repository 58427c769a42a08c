package dev.oml.he.inference;

import dev.oml.core.data.Dataset;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Where a batch-packing query's time goes on the shipped HE network at the 128-bit ring: the
 * user's encryption, the owner's answer (parse, admission, evaluation on a two-thread pool) and
 * the decryption, for {@code n} images (the shipped subset repeated), with label agreement
 * against the float model. Figures, not assertions; the JMH benchmark is in oml-bench. Run:
 * {@code java -Xmx10g -cp ... dev.oml.he.inference.HeBatchProfile java 16384 2 1} (backend, images,
 * repetitions, answer precision bits).
 */
public final class HeBatchProfile {
  private HeBatchProfile() {}

  /**
   * CPU time of the whole process (every thread, GC included), from the user and system times
   * of /proc/self/stat in clock ticks of 10 ms (Linux), or 0 where that file is missing.
   */
  static long processCpuNanos() {
    try {
      String s = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    } catch (java.io.IOException | RuntimeException e) {
      return 0;
    }
  }

  public static void main(String[] args) {
    HeBackend backend = args.length > 0 && args[0].equals("seal") ? HeBackends.seal()
        : HeBackends.pureJava();
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 16384;
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    int bits = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    HeFixture fx = new HeFixture(1_000_000_000L);
    Dataset data = HeFixture.subset();
    long t0 = System.nanoTime();
    HeCompiledModel cm = HeCompiledModel.compile(HeFixture.model("he-network.omlm"), fx.modelId,
        backend, HePlanOptions.builder().kappa(6).answerPrecisionBits(bits)
            .packing(HePacking.BATCH).calibration(HeFixture.images(data, 0, 200)).build());
    System.out.printf("compile %.1f s, %s%n", (System.nanoTime() - t0) / 1e9, cm.plan());
    HeUserSession user = HeUserSession.open(backend, cm.plan().encode());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    HeOwnerSession owner = new HeOwnerSession(cm, fx.gate, pool);
    owner.acceptKeys(user.sessionKeys());
    System.out.printf("session keys %d bytes%n", user.sessionKeys().length);
    double[][] imgs = new double[n][];
    for (int i = 0; i < n; i++) {
      imgs[i] = data.image(i % data.size());
    }
    FloatInference fi = new FloatInference(cm.model());
    for (int r = 0; r < reps; r++) {
      long a = System.nanoTime();
      HeQuery q = user.encrypt(imgs);
      long b = System.nanoTime();
      byte[] first = PermittedQuery.create(fx.licensee, fx.permit(q), q.payload()).encode();
      long cpu0 = processCpuNanos();
      long c = System.nanoTime();
      byte[] answer = owner.answer(first);
      long d = System.nanoTime();
      long cpu = processCpuNanos() - cpu0;
      HeResult res = user.decrypt(q, answer);
      long e = System.nanoTime();
      int agree = 0;
      double worst = 0;
      for (int i = 0; i < n; i++) {
        double[] want = fi.logits(imgs[i]);
        agree += FloatInference.argmax(want) == res.label(i) ? 1 : 0;
        for (int j = 0; j < want.length; j++) {
          worst = Math.max(worst, Math.abs(want[j] - res.logits(i)[j]));
        }
      }
      System.out.printf("n=%d encrypt %.1f s, answer %.1f s (evaluation %.1f s; CPU time of the "
          + "process %.1f s), decrypt %.1f s; %.1f images/s owner; query %d bytes, answer %d bytes; labels %d/%d, largest logit"
          + " error %.4f%n", n, (b - a) / 1e9, (d - c) / 1e9, owner.lastEvaluationNanos() / 1e9,
          cpu / 1e9, (e - d) / 1e9, n / ((d - c) / 1e9), first.length, answer.length, agree, n, worst);
    }
    pool.shutdown();
  }
}
