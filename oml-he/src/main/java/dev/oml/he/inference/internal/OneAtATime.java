package dev.oml.he.inference.internal;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * An executor that runs its tasks one at a time, in the order given, on one thread at a time of
 * another executor: one image's second thread. An owner's pool of two threads would otherwise
 * run two of the image's inner products at once beside the owner's thread and the native
 * library's worker of a split key switch, four busy threads on two cores, where every key switch
 * waits for its slower half. Tasks queued when the other executor refuses the drain are dropped;
 * {@link Fork#join} runs what no thread has claimed.
 */
final class OneAtATime implements Executor {
  private final Executor under;
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private boolean draining;

  OneAtATime(Executor under) {
    this.under = under;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (this) {
      queue.add(task);
      if (draining) {
        return;
      }
      draining = true;
    }
    try {
      under.execute(this::drain);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        draining = false;
        queue.clear();
      }
      throw e;
    }
  }

  private void drain() {
    for (;;) {
      Runnable r;
      synchronized (this) {
        r = queue.poll();
        if (r == null) {
          draining = false;
          return;
        }
      }
      r.run();
    }
  }
}
