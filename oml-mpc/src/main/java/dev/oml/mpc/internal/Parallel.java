package dev.oml.mpc.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * Splits a loop over independent instances between the calling thread and one helper thread,
 * for the steps whose instances write disjoint outputs (garbled-circuit evaluation, the HE
 * products). The helper's CPU time is added to a per-thread counter of the caller
 * ({@link #helperCpuNanos}), so a party's CPU time per query stays its whole cost. With one
 * available processor everything runs in the caller.
 */
public final class Parallel {
  private static final int CPUS = Runtime.getRuntime().availableProcessors();
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final OperatingSystemMXBean OS = ManagementFactory.getOperatingSystemMXBean();
  // helper CPU time per calling thread id (read by the thread itself or by a measurement)
  private static final ConcurrentHashMap<Long, LongAdder> HELPER_CPU = new ConcurrentHashMap<>();

  private Parallel() {}

  /** A range body: runs instances {@code [from, to)}. */
  @FunctionalInterface
  public interface Range {
    void run(int from, int to);
  }

  /**
   * A fresh daemon thread per task, ended when the task ends: no pool outlives the work, so a
   * server that closes leaves no helper behind (a thread costs tens of microseconds, against
   * milliseconds of work per split).
   */
  private static final Executor HELPER = r -> {
    Thread t = new Thread(r, "oml-mpc-helper");
    t.setDaemon(true);
    t.start();
  };

  /** Whether a second core is there to share work with. */
  public static boolean available() {
    return CPUS > 1;
  }

  /**
   * Runs {@code body} over {@code [0, n)}: the second half on a helper thread, the first half
   * here, when at least two processors are available and {@code n >= minSplit}; otherwise all
   * here. Returns after both halves ended; a failure of either is rethrown.
   */
  public static void split(int n, int minSplit, Range body) {
    if (!available() || n < Math.max(2, minSplit)) {
      body.run(0, n);
      return;
    }
    int mid = n / 2;
    both(() -> body.run(0, mid), () -> body.run(mid, n));
  }

  /**
   * Whether a second core is there and, by the system's load average over the last minute,
   * idle enough to take half of a latency-bound step. On a machine whose cores are all busy
   * with other work, a step split in two waits for whichever half is scheduled last and ends
   * later than on one thread (measured for the garbled-circuit evaluation: docs/benchmarks.md);
   * the online steps split only when this holds. The answer never changes a result, only the
   * thread that computes it.
   */
  public static boolean idleCore() {
    if (!available()) {
      return false;
    }
    double load = OS.getSystemLoadAverage();
    return load >= 0 && load < CPUS - 0.5;
  }

  /** As {@link #split}, but on the caller's thread alone unless {@link #idleCore()}. */
  public static void splitIfIdle(int n, int minSplit, Range body) {
    if (n >= Math.max(2, minSplit) && idleCore()) {
      split(n, minSplit, body);
    } else {
      body.run(0, n);
    }
  }

  /** Runs {@code a} here and {@code b} on a helper thread (both here on one processor). */
  public static void both(Runnable a, Runnable b) {
    if (!available()) {
      a.run();
      b.run();
      return;
    }
    long[] cpu = new long[1];
    Future<?> other = CompletableFuture.runAsync(() -> {
      long c0 = THREADS.getCurrentThreadCpuTime();
      try {
        b.run();
      } finally {
        cpu[0] = THREADS.getCurrentThreadCpuTime() - c0;
      }
    }, HELPER);
    RuntimeException mine = null;
    try {
      a.run();
    } catch (RuntimeException e) {
      mine = e;
    }
    try {
      other.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while a helper thread ran", e);
    } catch (ExecutionException e) {
      if (mine == null) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException re) {
          throw re;
        }
        if (c instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException(c);
      }
    } finally {
      HELPER_CPU.computeIfAbsent(Thread.currentThread().getId(), id -> new LongAdder())
          .add(cpu[0]);
    }
    if (mine != null) {
      throw mine;
    }
  }

  /**
   * CPU time the helper thread spent on work this thread handed to it, since the thread began:
   * add it to the thread's own CPU time for what the thread's work cost.
   */
  public static long helperCpuNanos() {
    return helperCpuNanos(Thread.currentThread().getId());
  }

  /** As {@link #helperCpuNanos()}, for the thread with id {@code threadId}. */
  public static long helperCpuNanos(long threadId) {
    LongAdder a = HELPER_CPU.get(threadId);
    return a == null ? 0 : a.sum();
  }
}
