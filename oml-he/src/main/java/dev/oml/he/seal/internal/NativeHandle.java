package dev.oml.he.seal.internal;

import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Owner of one native object of the SEAL binding: it frees the object exactly once, either when
 * {@link #close()} is called or, failing that, when the handle becomes unreachable (through a
 * {@link Cleaner}, so a forgotten handle leaks nothing for long). After close every use throws
 * {@link IllegalStateException} instead of touching freed memory. Code that passes
 * {@link #pointer()} to a native call keeps the handle reachable until the call returns
 * ({@code Reference.reachabilityFence}), or the cleaner could free it mid-call.
 */
public abstract class NativeHandle implements AutoCloseable {
  private static final Cleaner CLEANER = Cleaner.create();

  private final Releaser releaser;
  private final Cleaner.Cleanable cleanable;
  private final String kind;

  /** The state the cleaner sees; it must not reference the handle, or nothing is ever freed. */
  private static final class Releaser implements Runnable {
    private final AtomicReference<Pointer> pointer;
    private final Consumer<Pointer> destroy;

    Releaser(Pointer pointer, Consumer<Pointer> destroy) {
      this.pointer = new AtomicReference<>(pointer);
      this.destroy = destroy;
    }

    @Override
    public void run() {
      Pointer p = pointer.getAndSet(null);
      if (p != null) {
        destroy.accept(p);
      }
    }
  }

  /** Takes ownership of {@code pointer}; {@code destroy} frees it and must not capture this. */
  protected NativeHandle(Pointer pointer, Consumer<Pointer> destroy, String kind) {
    if (pointer == null) {
      throw new IllegalArgumentException("null native " + kind);
    }
    this.kind = kind;
    this.releaser = new Releaser(pointer, destroy);
    this.cleanable = CLEANER.register(this, releaser);
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
