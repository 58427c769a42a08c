package dev.oml.mpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

  @Test
  void splitRunsEveryIndexExactlyOnce() {
    for (int n : new int[] {0, 1, 15, 16, 17, 128, 1001}) {
      AtomicIntegerArray seen = new AtomicIntegerArray(n);
      Parallel.split(n, 16, (from, to) -> {
        for (int i = from; i < to; i++) {
          seen.incrementAndGet(i);
        }
      });
      for (int i = 0; i < n; i++) {
        assertEquals(1, seen.get(i), "index " + i + " of " + n);
      }
    }
  }

  @Test
  void aFailureOnEitherSideIsRethrownAfterBothEnded() {
    IllegalArgumentException helper = new IllegalArgumentException("helper side");
    boolean[] ran = new boolean[1];
    RuntimeException got = assertThrows(RuntimeException.class,
        () -> Parallel.both(() -> ran[0] = true, () -> {
          throw helper;
        }));
    assertSame(helper, got);
    assertTrue(ran[0]);
    IllegalStateException mine = new IllegalStateException("caller side");
    assertSame(mine, assertThrows(RuntimeException.class,
        () -> Parallel.both(() -> {
          throw mine;
        }, () -> { })));
  }

  @Test
  void helperCpuIsCountedForTheCallingThread() {
    long before = Parallel.helperCpuNanos();
    long[] sink = new long[1];
    Parallel.both(() -> { }, () -> {
      long x = 1;
      for (int i = 0; i < 50_000_000; i++) {
        x = x * 6364136223846793005L + 1442695040888963407L;
      }
      sink[0] = x;
    });
    long after = Parallel.helperCpuNanos();
    if (Parallel.available()) {
      assertTrue(after > before, "the helper's loop took CPU time");
    } else {
      assertEquals(before, after);
    }
    assertEquals(after, Parallel.helperCpuNanos(Thread.currentThread().getId()));
  }
}
