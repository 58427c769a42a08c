package dev.oml.he.inference;

import dev.oml.core.data.Dataset;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.Evaluator;
import dev.oml.he.FloodingBudget;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.KeyGenerator;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.inference.internal.HeProgram;
import dev.oml.he.inference.internal.Layout;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A timeline of one warm image on two threads, for finding where the second core idles. Every
 * evaluator call is recorded (thread, operation, level, start, end, thread CPU) into a buffer;
 * with {@code OML_SEAL_TRACE=FILE} in the environment the native library also records every part
 * of its split key switches (thread, start, end, CPU; {@code run_parts} in {@code
 * oml_seal.cpp}), written by {@code oml_trace_write} after the images and read back here
 * ({@code trace=FILE}, the same file).
 * Prints, per operation on the owner's thread, its wall time and how much of it the second core
 * spent working (a native worker's part or an evaluator call on the executor's thread), the
 * rest being the second core's idle time; then the owner's work outside the evaluation
 * (parsing, re-randomization and flooding, serialization) timed apart, and the whole
 * {@code answer} of an owner session. A test-scope main for figures, not a test: {@code
 * HeImageTimeline seal|java [images] [hoisted] [print] [trace=FILE]} ({@code print}: every
 * event of the last image).
 */
public final class HeImageTimeline {
  private HeImageTimeline() {}

  /** One evaluator call. */
  private record Event(String thread, String op, long start, long end, long cpu) {}

  private static final List<Event> EVENTS = new ArrayList<>();

  /** Nesting depth per thread: only the outermost call of a thread is recorded. */
  private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  @SuppressWarnings("unchecked")
  private static <T> T recorded(Class<T> type, T target, String prefix) {
    InvocationHandler h = new InvocationHandler() {
      @Override
      public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        int[] depth = DEPTH.get();
        depth[0]++;
        long w = System.nanoTime();
        long c = HeSingleImageProfile.threadCpuNanos();
        try {
          boolean own = !m.isDefault() || HeOperationProfile.declares(target.getClass(), m);
          Object r = own ? m.invoke(target, args) : InvocationHandler.invokeDefault(proxy, m, args);
          if (r != target && r instanceof Evaluator e && m.getName().equals("withKeySwitchThreads")) {
            return recorded(Evaluator.class, e, prefix + "split.");
          }
          return r;
        } catch (InvocationTargetException e) {
          throw e.getCause();
        } finally {
          depth[0]--;
          if (depth[0] == 0 && !m.getName().equals("withKeySwitchThreads")
              && !m.getName().equals("keySwitchThreads")) {
            String k = prefix + m.getName();
            if (args != null && args.length > 0 && args[0] instanceof Ciphertext x) {
              k += "@" + x.level();
            } else if (args != null && args.length > 0 && args[0] instanceof List<?> l
                && !l.isEmpty() && l.get(0) instanceof Ciphertext x) {
              k += "@" + x.level();
            }
            Event e = new Event(Thread.currentThread().getName(), k, w, System.nanoTime(),
                HeSingleImageProfile.threadCpuNanos() - c);
            synchronized (EVENTS) {
              EVENTS.add(e);
            }
          }
        }
      }
    };
    return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h);
  }


  /** A native part: [start, end) on a native worker (part above 0) or the caller (part 0). */
  private record Part(long call, int tid, int part, int parts, long start, long end, long cpu) {}

  private static List<Part> nativeParts(Path file) throws IOException {
    List<Part> out = new ArrayList<>();
    if (file == null || !Files.exists(file)) {
      return out;
    }
    for (String line : Files.readAllLines(file)) {
      String[] f = line.trim().split(" ");
      out.add(new Part(Long.parseLong(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
          Integer.parseInt(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]),
          Long.parseLong(f[6])));
    }
    return out;
  }

  /** Nanoseconds of [from, to) covered by the union of the intervals. */
  private static long covered(List<long[]> intervals, long from, long to) {
    List<long[]> in = new ArrayList<>();
    for (long[] i : intervals) {
      long s = Math.max(i[0], from);
      long e = Math.min(i[1], to);
      if (e > s) {
        in.add(new long[] {s, e});
      }
    }
    in.sort((a, b) -> Long.compare(a[0], b[0]));
    long sum = 0;
    long at = from;
    for (long[] i : in) {
      long s = Math.max(i[0], at);
      if (i[1] > s) {
        sum += i[1] - s;
        at = i[1];
      }
    }
    return sum;
  }

  public static void main(String[] args) throws Exception {
    HeBackend backend = args.length > 0 && args[0].equals("seal") ? HeBackends.seal()
        : HeBackends.pureJava();
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    List<String> opts = java.util.Arrays.asList(args);
    boolean hoisted = opts.contains("hoisted");
    Path traceFile = null;
    for (String o : opts) {
      if (o.startsWith("trace=")) {
        traceFile = Path.of(o.substring(6));
      }
    }
    HeFixture fx = new HeFixture(Long.MAX_VALUE / 2);
    Dataset data = HeFixture.subset();
    HeCompiledModel cm = HeSingleImageProfile.heNetwork(fx, backend, data, hoisted);
    HeProgram program = (HeProgram) HeOperationProfile.field(cm, "program");
    Layout lay = (Layout) HeOperationProfile.field(cm, "layout");
    long[] primes = (long[]) HeOperationProfile.field(cm, "primes");
    FloodingBudget budget = (FloodingBudget) HeOperationProfile.field(cm, "budget");
    HeContext ctx = cm.context();
    KeyGenerator kg = ctx.keyGenerator();
    RelinKeys rk = kg.createRelinKeys();
    GaloisKeys gk = kg.createGaloisKeysWithConjugation(program.rotationSteps(lay.lanes()));
    PublicKey pk = kg.createPublicKey();
    CkksEncoder enc = recorded(CkksEncoder.class, ctx.ckksEncoder(), "encoder.");
    Evaluator ev = recorded(Evaluator.class, ctx.evaluator(), "");
    var encryptor = ctx.encryptor(kg.createPublicKey());
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
        2, r -> {
          Thread t = new Thread(r, "executor");
          t.setDaemon(true);
          return t;
        });
    long imageStart = 0;
    long imageEnd = 0;
    Ciphertext y = null;
    String owner = Thread.currentThread().getName();
    for (int i = 0; i <= reps; i++) {
      double[][] img = HeFixture.images(data, 100 + i, 1);
      Ciphertext x = encryptor.encrypt(ctx.ckksEncoder().encode(
          lay.pack(img, 0, 1, program.inputSize()), cm.plan().inputScale()));
      synchronized (EVENTS) {
        EVENTS.clear();
      }
      long c = HeSingleImageProfile.threadCpuNanos();
      long pc = HeSingleImageProfile.processCpuNanos();
      imageStart = System.nanoTime();
      y = program.evaluate(x, 1, lay, enc, ev, rk, gk, primes, pool);
      imageEnd = System.nanoTime();
      double wallMs = (imageEnd - imageStart) / 1e6;
      double processMs = (HeSingleImageProfile.processCpuNanos() - pc) / 1e6;
      System.out.printf("%s image %d (%s): %.0f ms wall, %.0f ms CPU of the owner's thread, "
          + "%.0f ms CPU of the process, load %s%n", backend.name(), 100 + i,
          i == 0 ? "cold" : "warm", wallMs, (HeSingleImageProfile.threadCpuNanos() - c) / 1e6,
          processMs, HeSingleImageProfile.loadAverage());
    }
    List<Event> events;
    synchronized (EVENTS) {
      events = new ArrayList<>(EVENTS);
    }
    events.sort((a, b) -> Long.compare(a.start, b.start));
    long t0 = imageStart;
    if (traceFile != null) {
      long written = com.sun.jna.NativeLibrary.getInstance("omlseal")
          .getFunction("oml_trace_write").invokeLong(new Object[0]);
      System.out.printf("native trace: %d parts written to %s%n", written, traceFile);
    }
    List<Part> parts = nativeParts(traceFile);
    // The second core's work: native worker parts and the executor's evaluator calls.
    List<long[]> second = new ArrayList<>();
    for (Part p : parts) {
      if (p.part > 0 && p.end > t0 && p.start < imageEnd) {
        second.add(new long[] {p.start, p.end});
      }
    }
    for (Event e : events) {
      if (!e.thread.equals(owner)) {
        second.add(new long[] {e.start, e.end});
      }
    }
    if (opts.contains("print")) {
      System.out.println("start ms, end ms, thread, operation, CPU ms (last image)");
      for (Event e : events) {
        System.out.printf("  %8.2f %8.2f %-9s %-32s %7.2f%n", (e.start - t0) / 1e6,
            (e.end - t0) / 1e6, e.thread.equals(owner) ? "owner" : e.thread, e.op, e.cpu / 1e6);
      }
      System.out.println("native parts: call, part/parts, start ms, end ms, CPU ms");
      for (Part p : parts) {
        if (p.end > t0 && p.start < imageEnd) {
          System.out.printf("  %6d %d/%d %8.2f %8.2f %7.2f%n", p.call, p.part, p.parts,
              (p.start - t0) / 1e6, (p.end - t0) / 1e6, p.cpu / 1e6);
        }
      }
    }
    // Per operation on the owner's thread: wall, the owner's CPU, the second core's busy time.
    Map<String, long[]> byOp = new TreeMap<>();
    long ownerWall = 0;
    for (Event e : events) {
      if (!e.thread.equals(owner)) {
        continue;
      }
      String op = e.op.replaceAll("@.*", "") + (e.op.contains("@") ? "@" + e.op.replaceAll(".*@",
          "") : "");
      long[] t = byOp.computeIfAbsent(op, k -> new long[4]);
      t[0]++;
      t[1] += e.end - e.start;
      t[2] += e.cpu;
      t[3] += covered(second, e.start, e.end);
      ownerWall += e.end - e.start;
    }
    // Time on the owner's thread between evaluator calls (the steps' own Java code, joins).
    List<long[]> ownerCalls = new ArrayList<>();
    for (Event e : events) {
      if (e.thread.equals(owner)) {
        ownerCalls.add(new long[] {e.start, e.end});
      }
    }
    long gaps = (imageEnd - imageStart) - covered(ownerCalls, imageStart, imageEnd);
    long secondInGaps = covered(second, imageStart, imageEnd)
        - ownerCalls.stream().mapToLong(i -> covered(second, i[0], i[1])).sum();
    System.out.printf("last image: %.1f ms wall; owner's thread in evaluator calls %.1f ms, "
        + "between them %.1f ms (second core busy %.1f ms of it)%n",
        (imageEnd - imageStart) / 1e6, ownerWall / 1e6, gaps / 1e6, secondInGaps / 1e6);
    System.out.println("operation on the owner's thread @level: calls, wall ms, owner CPU ms, "
        + "second core busy ms, second core idle ms");
    long idle = 0;
    for (Map.Entry<String, long[]> en : byOp.entrySet()) {
      long[] t = en.getValue();
      idle += t[1] - t[3];
      System.out.printf("  %-34s %4d %8.1f %8.1f %8.1f %8.1f%n", en.getKey(), t[0], t[1] / 1e6,
          t[2] / 1e6, t[3] / 1e6, (t[1] - t[3]) / 1e6);
    }
    System.out.printf("second core idle during the owner's calls: %.1f ms; between them: %.1f ms%n",
        idle / 1e6, (gaps - secondInGaps) / 1e6);
    // Native parts: how long the caller waited for the worker at the end of each split phase.
    Map<Long, long[]> phases = new TreeMap<>();
    for (Part p : parts) {
      if (p.parts < 2 || p.end <= t0 || p.start >= imageEnd) {
        continue;
      }
      long[] ph = phases.computeIfAbsent(p.call, k -> new long[] {Long.MAX_VALUE, 0, 0, 0, 0, 0});
      ph[0] = Math.min(ph[0], p.start);
      ph[1] = Math.max(ph[1], p.end);
      if (p.part == 0) {
        ph[2] = p.end - p.start;
        ph[4] = p.start;
      } else {
        ph[3] = Math.max(ph[3], p.end - p.start);
        ph[5] = p.start;
      }
    }
    long wait = 0;
    long ownerLate = 0;
    long wake = 0;
    for (long[] ph : phases.values()) {
      long owner0 = ph[2];
      long worker = ph[3];
      wait += Math.max(0, (ph[1] - ph[0]) - owner0);
      ownerLate += Math.max(0, (ph[1] - ph[0]) - worker);
      wake += Math.max(0, ph[5] - ph[4]);
    }
    if (!phases.isEmpty()) {
      System.out.printf("native split phases: %d; span minus the caller's part %.1f ms (the "
          + "caller waits), span minus the worker's part %.1f ms (the worker waits), worker "
          + "started after the caller by %.1f ms in all%n", phases.size(), wait / 1e6,
          ownerLate / 1e6, wake / 1e6);
    }
    // The owner's work outside the evaluation, timed apart (the session does the same calls).
    Evaluator plain = ctx.evaluator();
    HeUserSession user = HeUserSession.open(backend, cm.plan().encode());
    HeOwnerSession session = new HeOwnerSession(cm, fx.gate, pool);
    session.acceptKeys(user.sessionKeys());
    for (int i = 0; i < 3; i++) {
      double[][] img = HeFixture.images(data, 100 + i, 1);
      HeQuery q = user.encrypt(img);
      byte[] first = PermittedQuery.create(fx.licensee, fx.permit(q), q.payload()).encode();
      byte[] seeded = ctx.serializer().save(ctx.encryptor(kg.secretKey()).encryptSeeded(
          ctx.ckksEncoder().encode(new double[0], cm.plan().inputScale())));
      long a = System.nanoTime();
      ctx.serializer().loadCiphertext(seeded);
      long b = System.nanoTime();
      byte[] digest = dev.oml.he.inference.internal.Msg.sha256(q.payload());
      long d = System.nanoTime();
      Ciphertext r = plain.rerandomize(y, pk, budget);
      long e = System.nanoTime();
      long g = System.nanoTime();
      if (budget.isGaussian()) {
        if (budget.gaussianSigma() > dev.oml.he.internal.GaussianFlood.FINE_SIGMA) {
          dev.oml.he.internal.GaussianFlood.sampleWide(ctx.parameters().polyModulusDegree(),
              budget.gaussianSigma());
        } else {
          dev.oml.he.internal.GaussianFlood.sample(ctx.parameters().polyModulusDegree(),
              budget.gaussianSigma());
        }
      }
      double sampleMs = (System.nanoTime() - g) / 1e6;
      g = System.nanoTime();
      byte[] saved = ctx.serializer().save(r);
      long f = System.nanoTime();
      long w = System.nanoTime();
      session.answer(first);
      double answerMs = (System.nanoTime() - w) / 1e6;
      System.out.printf("outside the evaluation: load of the query's seeded ciphertext %.1f "
          + "ms, SHA-256 of the %d-byte payload %.1f ms, "
          + "re-randomization and flooding at level %d %.1f ms (of which the flood's Gaussian "
          + "samples alone %.1f ms), save %.1f ms (%d bytes); "
          + "the session's whole answer %.1f ms wall (digest %d bytes, load %s)%n", (b - a) / 1e6,
          q.payload().length, (d - b) / 1e6, y.level(), (e - d) / 1e6, sampleMs, (f - g) / 1e6,
          saved.length, answerMs, digest.length,
          HeSingleImageProfile.loadAverage());
    }
    pool.shutdownNow();
  }
}
