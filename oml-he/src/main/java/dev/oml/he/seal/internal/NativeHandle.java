package dev.oml.he.seal.internal;

import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Owner of one native object of the SEAL binding: it frees the object exactly once, either when
 * {@link #close()} is called or, failing that, when the handle becomes unreachable (through a
 * {@link Cleaner}). After close every use throws {@link IllegalStateException} instead of
 * touching freed memory. Code that passes {@link #pointer()} to a native call keeps the handle
 * reachable until the call returns ({@code Reference.reachabilityFence}), or the cleaner could
 * free it mid-call.
 *
 * <p>A ciphertext weighs hundreds of kilobytes natively but a few dozen bytes on the Java heap,
 * so the garbage collector alone would let unclosed handles pile up native memory without
 * bound. Handles therefore account for their native size, and when the unreleased total passes
 * a threshold (the system property {@value #THRESHOLD_PROPERTY}, 256 MiB by default, or twice
 * what was still live after the previous collection) a collection is requested so that the
 * cleaner can free what is unreachable, the way the JDK bounds direct byte buffers.
 */
public abstract class NativeHandle implements AutoCloseable {
  /** Bytes of unreleased native objects above which a garbage collection is requested. */
  public static final String THRESHOLD_PROPERTY = "oml.seal.gcThresholdBytes";
  private static final long MIN_THRESHOLD = Long.getLong(THRESHOLD_PROPERTY, 256L << 20);
  private static final Cleaner CLEANER = Cleaner.create();
  private static final AtomicLong UNRELEASED = new AtomicLong();
  private static volatile long threshold = MIN_THRESHOLD;

  private final Releaser releaser;
  private final Cleaner.Cleanable cleanable;
  private final String kind;

  /** The state the cleaner sees; it must not reference the handle, or nothing is ever freed. */
  private static final class Releaser implements Runnable {
    private final AtomicReference<Pointer> pointer;
    private final Consumer<Pointer> destroy;
    private final long bytes;

    Releaser(Pointer pointer, Consumer<Pointer> destroy, long bytes) {
      this.pointer = new AtomicReference<>(pointer);
      this.destroy = destroy;
      this.bytes = bytes;
    }

    @Override
    public void run() {
      Pointer p = pointer.getAndSet(null);
      if (p != null) {
        destroy.accept(p);
        UNRELEASED.addAndGet(-bytes);
      }
    }
  }

  /**
   * Takes ownership of {@code pointer}, which holds about {@code nativeBytes} of native memory;
   * {@code destroy} frees it and must not capture this.
   */
  protected NativeHandle(Pointer pointer, Consumer<Pointer> destroy, String kind,
      long nativeBytes) {
    if (pointer == null) {
      throw new IllegalArgumentException("null native " + kind);
    }
    this.kind = kind;
    long bytes = Math.max(0, nativeBytes);
    this.releaser = new Releaser(pointer, destroy, bytes);
    this.cleanable = CLEANER.register(this, releaser);
    if (UNRELEASED.addAndGet(bytes) > threshold) {
      collect();
    }
  }

  /** Bytes held by native objects that are neither closed nor yet cleaned. */
  static long unreleasedBytes() {
    return UNRELEASED.get();
  }

  private static synchronized void collect() {
    if (UNRELEASED.get() <= threshold) {
      return; // another thread collected meanwhile
    }
    long before = UNRELEASED.get();
    System.gc();
    // The cleaner runs on its own thread: give it a moment to free what the collection found.
    for (int i = 0; i < 50 && UNRELEASED.get() > before / 2; i++) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    // A large live set must not cause a collection per allocation: wait until it doubles.
    threshold = Math.max(MIN_THRESHOLD, 2 * UNRELEASED.get());
  }

  /** The native pointer; throws if the handle was closed. */
  public final Pointer pointer() {
    Pointer p = releaser.pointer.get();
    if (p == null) {
      throw new IllegalStateException("this " + kind + " has been closed");
    }
    return p;
  }

  public final boolean isClosed() {
    return releaser.pointer.get() == null;
  }

  /** Frees the native object now; idempotent. */
  @Override
  public final void close() {
    cleanable.clean();
  }
}
