package dev.oml.mpc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.oml.core.fixedpoint.FixedPointFormat;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class ArgmaxTest {

  @Property(tries = 5)
  void userLearnsTheIndexOfTheLargestLogit(@ForAll @IntRange(min = 1, max = 10) int k,
      @ForAll long seed) {
    FixedPointFormat fmt = FixedPointFormat.of(45, 12);
    SplittableRandom rnd = new SplittableRandom(seed);
    long[] z = new long[k];
    long[] zu = new long[k];
    long[] zo = new long[k];
    int best = 0;
    for (int i = 0; i < k; i++) {
      z[i] = rnd.nextLong(-(1L << 30), 1L << 30) / (i % 3 == 0 ? 1 << 28 : 1); // some ties
      zu[i] = fmt.reduce(rnd.nextLong());
      zo[i] = fmt.reduce(z[i] - zu[i]);
      if (z[i] > z[best]) {
        best = i;
      }
    }
    // message-level steps, no channel
    ArgmaxGarbler g = new ArgmaxGarbler(fmt, k, TwoParty.RNG);
    ArgmaxEvaluator e = new ArgmaxEvaluator(fmt, k, TwoParty.RNG);
    byte[] second = g.session().offlineRespond(e.session().offlineStart());
    g.session().offlineFinish(e.session().offlineFinish(second, g.session().garbledTables()));
    assertEquals(best, e.onlineFinish(g.onlineRespond(e.onlineRequest(zu), zo)));
  }
}
