package dev.oml.he.inference.internal;

import dev.oml.he.HeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Waiting for evaluation work handed to other threads, with one rule for what a failed piece
 * throws in the waiting thread: an {@link Error} (out of memory, stack overflow) as itself, so
 * the caller's handlers see what the worker saw; a {@link RuntimeException} (the library's typed
 * errors among them) as itself; a checked exception, which no evaluation step declares, wrapped
 * in an {@link HeException}. An interrupted wait restores the interrupt flag and throws
 * {@link IllegalStateException}.
 */
public final class Futures {
  private Futures() {}

  /** The result of {@code future}, waiting for it; a failure as the class describes. */
  public static <T> T await(Future<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      throw interrupted(e);
    } catch (ExecutionException e) {
      throw unwrap(e);
    }
  }

  /**
   * Runs {@code jobs} on {@code executor} and returns their results in order; the first failed
   * job's failure, in that order, as the class describes (every job has ended by then).
   */
  public static <T> List<T> invokeAll(ExecutorService executor,
      List<? extends Callable<T>> jobs) {
    List<Future<T>> futures;
    try {
      futures = executor.invokeAll(jobs);
    } catch (InterruptedException e) {
      throw interrupted(e);
    }
    List<T> out = new ArrayList<>(futures.size());
    for (Future<T> f : futures) {
      out.add(await(f));
    }
    return out;
  }

  /** Runs {@code job} in this thread; a checked exception as the class describes. */
  public static <T> T call(Callable<T> job) {
    try {
      return job.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new HeException("evaluation failed: " + e.getClass().getSimpleName(), e);
    }
  }

  /**
   * What the waiting thread throws for {@code e}: its cause if that is a
   * {@link RuntimeException}; an {@link Error} cause is thrown from here as itself.
   */
  public static RuntimeException unwrap(ExecutionException e) {
    Throwable cause = e.getCause();
    if (cause instanceof RuntimeException r) {
      return r;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    if (cause == null) {
      return new HeException("evaluation failed without a cause", e);
    }
    return new HeException("evaluation failed: " + cause.getClass().getSimpleName(), cause);
  }

  private static IllegalStateException interrupted(InterruptedException e) {
    Thread.currentThread().interrupt();
    return new IllegalStateException("interrupted while evaluating", e);
  }
}
