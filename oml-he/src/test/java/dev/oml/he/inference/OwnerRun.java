package dev.oml.he.inference;

import dev.oml.core.transport.Channel;
import java.util.concurrent.atomic.AtomicReference;

/** An owner session run on its own thread over one channel end, keeping what it threw. */
final class OwnerRun {
  private final Thread thread;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  private OwnerRun(HeOwnerSession session, Channel ownerEnd) {
    thread = new Thread(() -> {
      try {
        session.run(ownerEnd);
      } catch (Throwable e) {
        failure.set(e);
      }
    });
  }

  /** Starts {@code session.run(ownerEnd)} on a new thread. */
  static OwnerRun start(HeOwnerSession session, Channel ownerEnd) {
    OwnerRun r = new OwnerRun(session, ownerEnd);
    r.thread.start();
    return r;
  }

  /** Waits up to a minute for the session to end; returns what it threw, or null. */
  Throwable join() throws InterruptedException {
    thread.join(60_000);
    return failure.get();
  }
}
