package dev.oml.he.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Flooding noise drawn ahead on another thread ({@link GaussianFlood#drawAhead}) is handed out
 * by exactly one later call, has the standard deviation asked for, and never makes a call wait
 * or fail. Each test uses a ring size of its own, so draws of other tests in the same JVM do not
 * match.
 */
class GaussianFloodAheadTest {
  /** One draw ahead, made at once on the calling thread. */
  private static void drawnAhead(int n, double sigma) {
    int before = GaussianFlood.ahead(n, sigma);
    GaussianFlood.drawAhead(n, sigma, Runnable::run);
    assertEquals(before + 1, GaussianFlood.ahead(n, sigma));
  }

  private static double deviation(long[] v) {
    double s = 0;
    for (long x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s / v.length);
  }

  @Test
  void aDrawAheadIsTakenOnceAndTheNextCallDrawsAnew() {
    int n = 4099;
    double sigma = 0x1p20;
    drawnAhead(n, sigma);
    long[] first = GaussianFlood.sample(n, sigma);
    assertEquals(0, GaussianFlood.ahead(n, sigma));
    long[] second = GaussianFlood.sample(n, sigma);
    assertNotSame(first, second);
    assertFalse(Arrays.equals(first, second));
    // The drawn-ahead values have the deviation asked for (4099 values: within 5 % by far).
    assertEquals(1.0, deviation(first) / sigma, 0.05);
    assertEquals(1.0, deviation(second) / sigma, 0.05);
  }

  @Test
  void wideDrawsAheadHaveTheShapeOfADirectDraw() {
    int n = 4101;
    double sigma = 0x1p100;
    drawnAhead(n, sigma);
    long[][] ahead = GaussianFlood.sampleWide(n, sigma);
    assertEquals(0, GaussianFlood.ahead(n, sigma));
    long[][] direct = GaussianFlood.sampleWide(n, sigma);
    assertEquals(direct.length, ahead.length);
    for (int t = 1; t < ahead.length; t++) {
      // every low part has the fine deviation 2^48
      assertEquals(1.0, deviation(ahead[t]) / GaussianFlood.FINE_SIGMA, 0.05);
    }
  }

  @Test
  void anotherThreadsDrawIsHandedOutOnce() throws Exception {
    int n = 4103;
    double sigma = 0x1p30;
    AtomicReference<Thread> ran = new AtomicReference<>();
    Executor other = task -> {
      Thread t = new Thread(() -> {
        ran.set(Thread.currentThread());
        task.run();
      });
      t.start();
      try {
        t.join();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    };
    GaussianFlood.drawAhead(n, sigma, other);
    assertTrue(ran.get() != null && ran.get() != Thread.currentThread());
    assertEquals(1, GaussianFlood.ahead(n, sigma));
    long[][] taken = new long[2][];
    Thread a = new Thread(() -> taken[0] = GaussianFlood.sample(n, sigma));
    Thread b = new Thread(() -> taken[1] = GaussianFlood.sample(n, sigma));
    a.start();
    b.start();
    a.join();
    b.join();
    assertEquals(0, GaussianFlood.ahead(n, sigma));
    assertNotSame(taken[0], taken[1]);
    assertFalse(Arrays.equals(taken[0], taken[1]));
  }

  @Test
  void drawsAheadAreBoundedAndARefusingExecutorIsNoFailure() {
    int n = 4107;
    double sigma = 0x1p24;
    GaussianFlood.forgetAhead();
    for (int i = 0; i < GaussianFlood.MOST_AHEAD + 3; i++) {
      GaussianFlood.drawAhead(n, sigma, Runnable::run);
    }
    assertEquals(GaussianFlood.MOST_AHEAD, GaussianFlood.ahead());
    int held = GaussianFlood.ahead(n, sigma);
    assertEquals(GaussianFlood.MOST_AHEAD, held);
    for (int i = 0; i < held; i++) {
      GaussianFlood.sample(n, sigma);
    }
    assertEquals(0, GaussianFlood.ahead(n, sigma));
    GaussianFlood.drawAhead(n, sigma, task -> {
      throw new RejectedExecutionException("full");
    });
    assertEquals(0, GaussianFlood.ahead(n, sigma));
    long[] v = GaussianFlood.sample(n, sigma);
    assertEquals(n, v.length);
  }

  @Test
  void badArgumentsFailOnTheCallersThreadAndDrawNothing() {
    Executor never = task -> {
      throw new AssertionError("no draw for bad arguments");
    };
    assertThrows(IllegalArgumentException.class, () -> GaussianFlood.drawAhead(0, 0x1p20, never));
    assertThrows(IllegalArgumentException.class, () -> GaussianFlood.drawAhead(16, 0.5, never));
    assertThrows(IllegalArgumentException.class, () -> GaussianFlood.drawAhead(16, 0x1p200, never));
  }
}
