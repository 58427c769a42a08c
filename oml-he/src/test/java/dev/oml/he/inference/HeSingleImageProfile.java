package dev.oml.he.inference;

import dev.oml.core.data.Dataset;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.Evaluator;
import dev.oml.he.GaloisKeys;
import dev.oml.he.KeyGenerator;
import dev.oml.he.Plaintext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Single-image latency of the HE network on a warm owner (diagonals cached), for finding where
 * the time goes: run under a profiler (for example {@code -XX:StartFlightRecording}). Prints wall
 * and CPU time of the answering thread and of the process, the load average and the size of
 * the session keys. Arguments: {@code seal|java [images] [threads=2] [hoisted]
 * [rotations|hoisting|split]} ({@code threads=2}: the owner session has a two-thread executor;
 * {@code hoisted}: the plan with a key per baby step; {@code rotations}: one rotation and one
 * plaintext product per level instead; {@code hoisting}, SEAL only: the first layer's baby
 * steps hoisted and as SEAL's rotations, side by side; {@code split}, SEAL only: one rotation
 * per level as SEAL's and split over two threads, side by side). Figures, not
 * assertions; JMH benchmarks belong in oml-bench.
 */
public final class HeSingleImageProfile {
  /**
   * CPU time of the calling thread in nanoseconds (Linux: the first field of
   * /proc/thread-self/schedstat): on a shared machine wall time mostly measures the load.
   */
  static long threadCpuNanos() {
    try {
      String s = Files.readString(Path.of("/proc/thread-self/schedstat")).trim();
      return Long.parseLong(s.split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * CPU time of the whole process (every thread, GC included), in nanoseconds: user plus
   * system time from /proc/self/stat, in clock ticks of 10 ms.
   */
  static long processCpuNanos() {
    try {
      String s = Files.readString(Path.of("/proc/self/stat"));
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** The one-minute load average (Linux), for the record of how busy the machine was. */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  private HeSingleImageProfile() {}

  /**
   * The HE network compiled as the single-image mains profile it: the rows plan at kappa 6 and
   * 2^-4, calibrated on images 0-199 of {@code data}, with a key per baby step if
   * {@code hoisted}.
   */
  static HeCompiledModel heNetwork(HeFixture fx, HeBackend backend, Dataset data,
      boolean hoisted) {
    return HeCompiledModel.compile(HeFixture.model("he-network.omlm"), fx.modelId, backend,
        HePlanOptions.builder().kappa(6).answerPrecisionBits(4).hoistedRotations(hoisted)
            .calibration(HeFixture.images(data, 0, 200)).build());
  }

  /**
   * Least wall time of one rotation and one multiply-plain at each level of the plan (the least
   * of many runs is the figure a busy machine disturbs least).
   */
  static void rotations(HeCompiledModel cm, int reps) {
    HeContext ctx = cm.context();
    KeyGenerator kg = ctx.keyGenerator();
    int lanes = cm.plan().imagesPerCiphertext();
    GaloisKeys gk = kg.createGaloisKeys(new int[] {lanes});
    CkksEncoder enc = ctx.ckksEncoder();
    Evaluator ev = ctx.evaluator();
    double[] v = new double[ctx.parameters().polyModulusDegree() / 2];
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.sin(i);
    }
    for (int level = ctx.parameters().maxLevel(); level >= 1; level -= 2) {
      Ciphertext c = ev.modSwitchTo(ctx.encryptor(kg.createPublicKey())
          .encrypt(enc.encode(v, Math.pow(2, 40))), level);
      Plaintext p = enc.encode(v, new double[0], Math.pow(2, 40), level);
      long bestRot = Long.MAX_VALUE;
      long bestMul = Long.MAX_VALUE;
      for (int r = 0; r < reps; r++) {
        long t = System.nanoTime();
        ev.rotate(c, lanes, gk);
        bestRot = Math.min(bestRot, System.nanoTime() - t);
        t = System.nanoTime();
        ev.multiplyPlain(c, p);
        bestMul = Math.min(bestMul, System.nanoTime() - t);
      }
      System.out.printf("level %d: rotation %.1f ms, multiply-plain %.2f ms (least of %d)%n",
          level, bestRot / 1e6, bestMul / 1e6, reps);
    }
  }

  /**
   * SEAL: the 15 baby steps of the first layer (steps {@code l * lanes}, l = 1..15, at the top
   * level) as one hoisted native call and as 15 SEAL rotations, alternating, CPU time of this
   * thread per call: median and least of {@code reps}.
   */
  static void hoisting(HeCompiledModel cm, int reps) {
    HeContext ctx = cm.context();
    KeyGenerator kg = ctx.keyGenerator();
    int lanes = cm.plan().imagesPerCiphertext();
    int[] steps = new int[15];
    for (int l = 1; l <= steps.length; l++) {
      steps[l - 1] = l * lanes;
    }
    GaloisKeys gk = kg.createGaloisKeys(steps);
    double[] v = new double[ctx.parameters().polyModulusDegree() / 2];
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.sin(i);
    }
    Evaluator ev = ctx.evaluator();
    Ciphertext c = ctx.encryptor(kg.createPublicKey())
        .encrypt(ctx.ckksEncoder().encode(v, Math.pow(2, 40)));
    long[] hoisted = new long[reps];
    long[] each = new long[reps];
    for (int r = 0; r < reps; r++) {
      long t = threadCpuNanos();
      ev.rotateHoisted(c, steps, gk);
      hoisted[r] = threadCpuNanos() - t;
      t = threadCpuNanos();
      dev.oml.he.seal.internal.SealCrossing.rotateEach(ev, c, steps, gk);
      each[r] = threadCpuNanos() - t;
    }
    java.util.Arrays.sort(hoisted);
    java.util.Arrays.sort(each);
    System.out.printf("level %d, 15 rotations: hoisted %.1f ms (least %.1f), SEAL's rotations "
        + "%.1f ms (least %.1f), CPU of this thread, median of %d, load %s%n", c.level(),
        hoisted[reps / 2] / 1e6, hoisted[0] / 1e6, each[reps / 2] / 1e6, each[0] / 1e6, reps,
        loadAverage());
  }

  /**
   * SEAL: one rotation at each level of the plan as SEAL's own and with its key switch split
   * over two threads (C ABI 7), alternating: wall time and CPU time of the process per call,
   * median and least of {@code reps}.
   */
  static void split(HeCompiledModel cm, int reps) {
    HeContext ctx = cm.context();
    KeyGenerator kg = ctx.keyGenerator();
    int lanes = cm.plan().imagesPerCiphertext();
    GaloisKeys gk = kg.createGaloisKeys(new int[] {lanes});
    CkksEncoder enc = ctx.ckksEncoder();
    Evaluator one = ctx.evaluator();
    Evaluator two = one.withKeySwitchThreads(2);
    double[] v = new double[ctx.parameters().polyModulusDegree() / 2];
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.sin(i);
    }
    Ciphertext top = ctx.encryptor(kg.createPublicKey()).encrypt(enc.encode(v, Math.pow(2, 40)));
    for (int level = ctx.parameters().maxLevel(); level >= 2; level -= 2) {
      Ciphertext c = one.modSwitchTo(top, level);
      long[][] wall = new long[2][reps];
      long[] cpu = new long[2];
      for (int r = 0; r < reps; r++) {
        for (int e = 0; e < 2; e++) {
          long w = System.nanoTime();
          long p = processCpuNanos();
          Ciphertext y = (e == 0 ? one : two).rotate(c, lanes, gk);
          wall[e][r] = System.nanoTime() - w;
          cpu[e] += processCpuNanos() - p;
          if (y instanceof AutoCloseable a) {
            try {
              a.close();
            } catch (Exception ex) {
              throw new IllegalStateException(ex);
            }
          }
        }
      }
      for (long[] a : wall) {
        java.util.Arrays.sort(a);
      }
      System.out.printf("level %d, one rotation: SEAL's %.1f ms wall (least %.1f), %.1f ms CPU; "
          + "split over two threads %.1f ms wall (least %.1f), %.1f ms CPU (wall: median of %d; "
          + "CPU of the process: mean), load %s%n", level, wall[0][reps / 2] / 1e6,
          wall[0][0] / 1e6, cpu[0] / 1e6 / reps, wall[1][reps / 2] / 1e6, wall[1][0] / 1e6,
          cpu[1] / 1e6 / reps, reps, loadAverage());
    }
  }

  public static void main(String[] args) {
    HeBackend backend = args.length > 0 && args[0].equals("seal") ? HeBackends.seal()
        : HeBackends.pureJava();
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    java.util.List<String> opts = java.util.Arrays.asList(args).subList(Math.min(2, args.length),
        args.length);
    boolean hoisted = opts.contains("hoisted");
    // threads=2: the owner session gets a two-thread executor (one ciphertext then uses a
    // second thread inside its linear steps).
    int threads = opts.contains("threads=2") ? 2 : 1;
    HeFixture fx = new HeFixture(Long.MAX_VALUE / 2);
    Dataset data = HeFixture.subset();
    HeCompiledModel cm = heNetwork(fx, backend, data, hoisted);
    if (opts.contains("rotations")) {
      rotations(cm, reps);
      return;
    }
    if (opts.contains("split")) {
      split(cm, reps);
      return;
    }
    if (opts.contains("hoisting")) {
      hoisting(cm, reps);
      return;
    }
    HeUserSession user = HeUserSession.open(backend, cm.plan().encode());
    java.util.concurrent.ExecutorService pool = threads > 1
        ? java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
          Thread t = new Thread(r);
          t.setDaemon(true);
          return t;
        }) : null;
    HeOwnerSession owner = pool == null ? new HeOwnerSession(cm, fx.gate)
        : new HeOwnerSession(cm, fx.gate, pool);
    byte[] keys = user.sessionKeys();
    owner.acceptKeys(keys);
    System.out.printf("%s%s session keys %d bytes%n", backend.name(), hoisted ? " hoisted" : "",
        keys.length);
    for (int i = 0; i < reps + 1; i++) {
      double[][] img = HeFixture.images(data, 100 + i, 1);
      HeQuery q = user.encrypt(img);
      byte[] first = PermittedQuery.create(fx.licensee, fx.permit(q), q.payload()).encode();
      long t = System.nanoTime();
      long cpu = threadCpuNanos();
      long processCpu = processCpuNanos();
      byte[] answer = owner.answer(first);
      double cpuMs = (threadCpuNanos() - cpu) / 1e6;
      double allMs = (processCpuNanos() - processCpu) / 1e6;
      double ms = (System.nanoTime() - t) / 1e6;
      HeResult r = user.decrypt(q, answer);
      System.out.printf("%s %s%s threads=%d owner %.0f ms wall, %.0f ms CPU of the owner's "
          + "thread, %.0f ms CPU of the process, label %d, load %s%n", backend.name(),
          i == 0 ? "cold" : "warm", hoisted ? " hoisted" : "", threads, ms, cpuMs, allMs,
          r.label(0), loadAverage());
    }
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
