package dev.oml.mpc.internal;

import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The owner's side of an in-process two-party run on a daemon thread of its own, with the user's
 * side in the caller's thread: what the evaluations of both protocol tiers share. A failure of
 * either side is reported as the side's own exception; the user's channel is closed at the end,
 * so an owner still waiting for a message ends too.
 */
public final class OwnerThread implements AutoCloseable {
  private final ExecutorService thread;

  /** A thread named {@code name}. */
  public OwnerThread(String name) {
    thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Runs {@code owner} on the owner's thread and {@code user} here, over the pair whose user end
   * is {@code userEnd}; returns the user's result once the owner's side has ended too (within 5
   * minutes).
   *
   * @throws RuntimeException the user's failure, or else the owner's
   */
  public <T> T run(Runnable owner, Channel userEnd, Supplier<T> user) {
    Future<?> served = thread.submit(owner);
    try {
      T result = user.get();
      served.get(5, TimeUnit.MINUTES);
      return result;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("the owner's session failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProtocolAbortException("interrupted", e);
    } catch (TimeoutException e) {
      throw new ProtocolAbortException("the owner's session did not end", e);
    } catch (RuntimeException e) {
      userEnd.close();
      try {
        served.get(1, TimeUnit.MINUTES);
      } catch (Exception ignored) {
        // the user's failure is the one to report
      }
      throw e;
    } finally {
      userEnd.close();
    }
  }

  /** Stops the thread. */
  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
