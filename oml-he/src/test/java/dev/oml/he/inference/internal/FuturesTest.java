package dev.oml.he.inference.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.HeException;
import dev.oml.he.inference.MalformedQueryException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The one rule for a failure of work run on another thread: an Error and a RuntimeException
 * reach the waiting thread as themselves (the very object), a checked exception wrapped in an
 * {@link HeException} whose cause it is; the same through {@link Futures#await}, {@link
 * Futures#invokeAll}, {@link Futures#call} and {@link Fork#join}.
 */
class FuturesTest {
  private static final ExecutorService POOL = Executors.newFixedThreadPool(2);

  @AfterAll
  static void stop() {
    POOL.shutdownNow();
  }

  private static CompletableFuture<Object> failed(Throwable t) {
    CompletableFuture<Object> f = new CompletableFuture<>();
    f.completeExceptionally(t);
    return f;
  }

  @Test
  void awaitRethrowsErrorsAndRuntimeExceptionsAsThemselvesAndWrapsCheckedOnes() {
    assertEquals("x", Futures.await(CompletableFuture.completedFuture("x")));
    StackOverflowError error = new StackOverflowError("deep");
    assertSame(error, assertThrows(StackOverflowError.class, () -> Futures.await(failed(error))));
    MalformedQueryException typed = new MalformedQueryException("bad");
    assertSame(typed, assertThrows(MalformedQueryException.class,
        () -> Futures.await(failed(typed))));
    IOException checked = new IOException("io");
    HeException wrapped = assertThrows(HeException.class, () -> Futures.await(failed(checked)));
    assertSame(checked, wrapped.getCause());
  }

  @Test
  void invokeAllKeepsTheOrderAndTheRule() {
    List<Callable<Integer>> ok = List.of(() -> 1, () -> 2, () -> 3);
    assertEquals(List.of(1, 2, 3), Futures.invokeAll(POOL, ok));
    OutOfMemoryError oom = new OutOfMemoryError("injected");
    List<Callable<Integer>> jobs = List.of(() -> 1, () -> {
      throw oom;
    });
    assertSame(oom, assertThrows(OutOfMemoryError.class, () -> Futures.invokeAll(POOL, jobs)));
    IllegalArgumentException runtime = new IllegalArgumentException("r");
    assertSame(runtime, assertThrows(IllegalArgumentException.class,
        () -> Futures.invokeAll(POOL, List.<Callable<Integer>>of(() -> {
          throw runtime;
        }))));
    Exception checked = new Exception("checked");
    HeException e = assertThrows(HeException.class,
        () -> Futures.invokeAll(POOL, List.<Callable<Integer>>of(() -> {
          throw checked;
        })));
    assertSame(checked, e.getCause());
  }

  @Test
  void callInThisThreadFollowsTheRule() {
    assertEquals(7, Futures.call(() -> 7));
    AssertionError error = new AssertionError("e");
    assertSame(error, assertThrows(AssertionError.class, () -> Futures.call(() -> {
      throw error;
    })));
    Exception checked = new Exception("checked");
    assertSame(checked, assertThrows(HeException.class, () -> Futures.call(() -> {
      throw checked;
    })).getCause());
  }

  @Test
  void aForkRethrowsWhatItsWorkThrewOnEitherThread() {
    StackOverflowError error = new StackOverflowError("deep");
    Fork<Object> here = Fork.start(() -> {
      throw error;
    }, null);
    assertSame(error, assertThrows(StackOverflowError.class, here::join));
    IllegalStateException runtime = new IllegalStateException("r");
    Fork<Object> there = Fork.start(() -> {
      throw runtime;
    }, POOL);
    assertSame(runtime, assertThrows(IllegalStateException.class, there::join));
    assertTrue(Fork.start(() -> true, POOL).join());
  }
}
