package dev.oml.he.inference;

import dev.oml.core.data.Dataset;
import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.Evaluator;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.KeyGenerator;
import dev.oml.he.RelinKeys;
import dev.oml.he.inference.internal.HeProgram;
import dev.oml.he.inference.internal.Layout;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where one warm image's evaluation spends its time, per operation: the evaluator and the
 * encoder are wrapped so that every call is counted and its wall and thread CPU time summed
 * (a default method that calls other operations counts them again inside its own figure). A
 * test-scope main for figures, not a test: {@code HeOperationProfile seal|java [images]
 * [hoisted] [threads=2]} ({@code hoisted}: the plan with a key per baby step; {@code
 * threads=2}: a second thread for the image, as an owner session with an executor gives it,
 * with the calls on the evaluator whose key switches are split counted as {@code split.*}; CPU
 * figures are the calling thread's, so calls on both threads add up to more than the wall).
 */
public final class HeOperationProfile {
  private HeOperationProfile() {}

  /** Calls, wall and CPU nanoseconds of one operation. */
  private static final class Tally {
    long calls;
    long wall;
    long cpu;
  }

  private static final Map<String, Tally> TALLY = new TreeMap<>();

  @SuppressWarnings("unchecked")
  private static <T> T timed(Class<T> type, T target, String prefix) {
    InvocationHandler h = new InvocationHandler() {
      @Override
      public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        long w = System.nanoTime();
        long c = HeSingleImageProfile.threadCpuNanos();
        try {
          boolean own = !m.isDefault() || declares(target.getClass(), m);
          Object r = own ? m.invoke(target, args) : InvocationHandler.invokeDefault(proxy, m, args);
          if (r != target && r instanceof Evaluator e && m.getName().equals("withKeySwitchThreads")) {
            // The evaluator whose key switches are split: counted apart.
            return timed(Evaluator.class, e, prefix + "split.");
          }
          return r;
        } catch (InvocationTargetException e) {
          throw e.getCause();
        } finally {
          String k = prefix + m.getName() + (args != null && args.length > 0
              && args[0] instanceof java.util.List<?> l ? "[list]" : "");
          if (args != null && args.length > 0 && args[0] instanceof Ciphertext x) {
            k += " @" + x.level();
          }
          synchronized (TALLY) {
            Tally t = TALLY.computeIfAbsent(k, s -> new Tally());
            t.calls++;
            t.wall += System.nanoTime() - w;
            t.cpu += HeSingleImageProfile.threadCpuNanos() - c;
          }
        }
      }
    };
    return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h);
  }

  static boolean declares(Class<?> c, Method m) {
    for (Class<?> k = c; k != null; k = k.getSuperclass()) {
      try {
        k.getDeclaredMethod(m.getName(), m.getParameterTypes());
        return true;
      } catch (NoSuchMethodException e) {
        // look further up
      }
    }
    return false;
  }

  static Object field(Object o, String name) throws ReflectiveOperationException {
    Field f = o.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(o);
  }

  public static void main(String[] args) throws Exception {
    HeBackend backend = args.length > 0 && args[0].equals("seal") ? HeBackends.seal()
        : HeBackends.pureJava();
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    HeFixture fx = new HeFixture(Long.MAX_VALUE / 2);
    Dataset data = HeFixture.subset();
    HeCompiledModel cm = HeSingleImageProfile.heNetwork(fx, backend, data,
        java.util.Arrays.asList(args).contains("hoisted"));
    HeProgram program = (HeProgram) field(cm, "program");
    Layout lay = (Layout) field(cm, "layout");
    long[] primes = (long[]) field(cm, "primes");
    HeContext ctx = cm.context();
    KeyGenerator kg = ctx.keyGenerator();
    RelinKeys rk = kg.createRelinKeys();
    GaloisKeys gk = kg.createGaloisKeysWithConjugation(program.rotationSteps(lay.lanes()));
    CkksEncoder enc = timed(CkksEncoder.class, ctx.ckksEncoder(), "encoder.");
    Evaluator ev = timed(Evaluator.class, ctx.evaluator(), "");
    var encryptor = ctx.encryptor(kg.createPublicKey());
    // threads=2: a second thread for the image, as an owner session with an executor gives it.
    java.util.concurrent.ExecutorService pool = java.util.Arrays.asList(args).contains("threads=2")
        ? java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
          Thread t = new Thread(r);
          t.setDaemon(true);
          return t;
        }) : null;
    for (int i = 0; i <= reps; i++) {
      double[][] img = HeFixture.images(data, 100 + i, 1);
      Ciphertext x = encryptor.encrypt(ctx.ckksEncoder().encode(
          lay.pack(img, 0, 1, program.inputSize()), cm.plan().inputScale()));
      TALLY.clear();
      long w = System.nanoTime();
      long c = HeSingleImageProfile.threadCpuNanos();
      long pc = HeSingleImageProfile.processCpuNanos();
      Ciphertext y = program.evaluate(x, 1, lay, enc, ev, rk, gk, primes, pool);
      double wallMs = (System.nanoTime() - w) / 1e6;
      double processMs = (HeSingleImageProfile.processCpuNanos() - pc) / 1e6;
      System.out.printf("%s image %d (%s): %.0f ms wall, %.0f ms CPU of this thread, %.0f ms CPU "
          + "of the process (two cores idle for %.0f ms of %.0f), level %d, load %s%n",
          backend.name(), 100 + i, i == 0 ? "cold" : "warm", wallMs,
          (HeSingleImageProfile.threadCpuNanos() - c) / 1e6, processMs,
          2 * wallMs - processMs, 2 * wallMs, y.level(), HeSingleImageProfile.loadAverage());
    }
    if (pool != null) {
      pool.shutdownNow();
    }
    System.out.println("operation @level: calls, wall ms, CPU ms (last image)");
    TALLY.forEach((k, t) -> System.out.printf("  %-32s %5d %9.1f %9.1f%n", k, t.calls,
        t.wall / 1e6, t.cpu / 1e6));
  }
}
