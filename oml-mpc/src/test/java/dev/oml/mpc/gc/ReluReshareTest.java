package dev.oml.mpc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.transport.InMemoryChannel;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * ReLU-and-reshare end to end: the user's new share plus the owner's mask is exactly
 * {@code ReLU(FixedPointFormat.truncate(z_U + z_O))}, and the user's share alone is uniform.
 */
class ReluReshareTest {

  record Result(long[] userShares, long[] ownerShares) {}

  static Result run(FixedPointFormat fmt, long[] zu, long[] zo) throws Exception {
    int n = zu.length;
    InMemoryChannel.Pair p = InMemoryChannel.pair();
    CompletableFuture<long[]> owner = CompletableFuture.supplyAsync(() -> {
      ReluReshareGarbler g = new ReluReshareGarbler(fmt, n, TwoParty.RNG);
      g.runOffline(p.first());
      long[] m = g.ownerShares();
      g.runOnline(p.first(), zo);
      return m;
    });
    ReluReshareEvaluator e = new ReluReshareEvaluator(fmt, n, TwoParty.RNG);
    e.runOffline(p.second());
    long[] u = e.runOnline(p.second(), zu);
    return new Result(u, owner.get(60, TimeUnit.SECONDS));
  }

  static long expected(FixedPointFormat fmt, long zu, long zo) {
    long t = fmt.truncate(fmt.reduce(zu + zo));
    return fmt.signed(t) > 0 ? t : 0;
  }

  @Property(tries = 4)
  void sharesReconstructTruncatedRelu(@ForAll @IntRange(min = 16, max = 60) int l,
      @ForAll @IntRange(min = 1, max = 29) int f, @ForAll long seed) throws Exception {
    f = Math.min(f, (l - 2) / 2);
    FixedPointFormat fmt = FixedPointFormat.of(l, f);
    SplittableRandom rnd = new SplittableRandom(seed);
    int n = 64;
    long[] zu = new long[n];
    long[] zo = new long[n];
    long[] edges = {0, 1, -1, fmt.maxSigned(), fmt.minSigned(), 1L << f, -(1L << f),
        (1L << f) - 1, -(1L << f) + 1};
    for (int i = 0; i < n; i++) {
      long z = i < edges.length ? edges[i]
          : (i % 2 == 0 ? rnd.nextLong() : rnd.nextLong(-(4L << f), 4L << f));
      zu[i] = fmt.reduce(rnd.nextLong());
      zo[i] = fmt.reduce(z - zu[i]);
    }
    Result r = run(fmt, zu, zo);
    for (int i = 0; i < n; i++) {
      assertEquals(expected(fmt, zu[i], zo[i]), fmt.reduce(r.userShares[i] + r.ownerShares[i]),
          "neuron " + i);
    }
  }

  @Test
  void userShareIsUniformWhateverTheInputs() throws Exception {
    // Chi-square on the top 5 and the bottom 5 bits of the user's decoded share, for a positive,
    // a negative and a zero pre-activation. 32 bins, 31 degrees of freedom: the 0.1% critical
    // value is 61.1.
    FixedPointFormat fmt = FixedPointFormat.of(20, 6);
    int n = 3200;
    for (long z : new long[] {fmt.encode(3.5), fmt.reduce(fmt.encode(-2.25)), 0}) {
      long[] zu = new long[n];
      long[] zo = new long[n];
      SplittableRandom rnd = new SplittableRandom(z);
      for (int i = 0; i < n; i++) {
        zu[i] = fmt.reduce(rnd.nextLong());
        zo[i] = fmt.reduce(z - zu[i]);
      }
      long[] u = run(fmt, zu, zo).userShares;
      int[] top = new int[32];
      int[] bottom = new int[32];
      for (long v : u) {
        top[(int) (v >>> 15)]++;
        bottom[(int) (v & 31)]++;
      }
      assertTrue(chiSquare(top, n) < 61.1, "top bits not uniform");
      assertTrue(chiSquare(bottom, n) < 61.1, "low bits not uniform");
    }
  }

  static double chiSquare(int[] counts, int n) {
    double e = (double) n / counts.length;
    double s = 0;
    for (int c : counts) {
      s += (c - e) * (c - e) / e;
    }
    return s;
  }
}
