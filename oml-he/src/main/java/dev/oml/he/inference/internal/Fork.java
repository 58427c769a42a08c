package dev.oml.he.inference.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A piece of one image's evaluation handed to another thread while the caller goes on: whoever
 * claims it first runs it, so {@link #join} never waits for work that has not started (the
 * caller then runs it itself). An executor whose threads are all busy, or the caller being one
 * of them, therefore costs time but never deadlocks.
 */
final class Fork<T> {
  private final Supplier<T> work;
  private final AtomicBoolean claimed = new AtomicBoolean();
  private final CompletableFuture<T> result = new CompletableFuture<>();

  private Fork(Supplier<T> work) {
    this.work = work;
  }

  /** Offers {@code work} to {@code executor} (none: it runs in {@link #join}). */
  static <T> Fork<T> start(Supplier<T> work, Executor executor) {
    Fork<T> f = new Fork<>(work);
    if (executor != null) {
      try {
        executor.execute(f::run);
      } catch (RejectedExecutionException e) {
        // A shut-down or saturated executor: the caller runs it in join.
      }
    }
    return f;
  }

  private void run() {
    if (!claimed.compareAndSet(false, true)) {
      return;
    }
    try {
      result.complete(work.get());
    } catch (RuntimeException | Error e) {
      result.completeExceptionally(e);
    }
  }

  /** The result, computed here if no other thread has started it; failures as {@link Futures}. */
  T join() {
    run();
    return Futures.await(result);
  }
}
