package dev.oml.mpc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.mpc.ot.KosReceiver;
import dev.oml.mpc.ot.KosSender;
import dev.oml.mpc.ot.RandomOtReceiverOutput;
import dev.oml.mpc.ot.RandomOtSenderOutput;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One OT extension for a whole bundle (two layers of two prepared queries here), sliced into
 * per-session random OTs: results are exact and no OT can be handed out twice.
 */
class BundleTest {

  @Test
  void oneExtensionServesSeveralLayersAndQueries() throws Exception {
    FixedPointFormat fmt = FixedPointFormat.of(24, 8);
    int[] widths = {7, 5, 7, 5}; // query 1 layer 1, query 1 layer 2, query 2 ...
    int total = 0;
    for (int w : widths) {
      total += ReluReshareGarbler.randomOtsNeeded(fmt, w);
    }
    int otCount = total;
    InMemoryChannel.Pair p = InMemoryChannel.pair();
    CompletableFuture<RandomOtSenderOutput> ownerOts =
        CompletableFuture.supplyAsync(() -> KosSender.run(p.first(), otCount, TwoParty.RNG));
    RandomOtReceiverOutput userOts = KosReceiver.run(p.second(), otCount, TwoParty.RNG);
    RandomOtSenderOutput senderOts = ownerOts.get(60, TimeUnit.SECONDS);

    SplittableRandom rnd = new SplittableRandom(3);
    for (int w : widths) {
      ReluReshareGarbler g = new ReluReshareGarbler(fmt, w,
          senderOts.take(ReluReshareGarbler.randomOtsNeeded(fmt, w)), TwoParty.RNG);
      ReluReshareEvaluator e = new ReluReshareEvaluator(fmt, w,
          userOts.take(ReluReshareGarbler.randomOtsNeeded(fmt, w)));
      // offline: one message, owner to user
      g.runOffline(p.first());
      e.runOffline(p.second());
      long[] m = g.ownerShares();
      long[] zu = new long[w];
      long[] zo = new long[w];
      for (int i = 0; i < w; i++) {
        zu[i] = fmt.reduce(rnd.nextLong());
        zo[i] = fmt.reduce(rnd.nextLong(-5000, 5000) - zu[i]);
      }
      byte[] response = g.onlineRespond(e.onlineRequest(zu), zo);
      long[] u = e.onlineFinish(response);
      for (int i = 0; i < w; i++) {
        assertEquals(ReluReshareTest.expected(fmt, zu[i], zo[i]), fmt.reduce(u[i] + m[i]));
      }
    }
    assertEquals(0, senderOts.remaining());
    assertThrows(IllegalArgumentException.class, () -> senderOts.take(1));
    assertThrows(IllegalArgumentException.class, () -> userOts.take(1));
  }

  @Test
  void wrongOtCountIsRefused() {
    FixedPointFormat fmt = FixedPointFormat.of(16, 4);
    KosReceiver r = new KosReceiver(100, TwoParty.RNG);
    KosSender s = new KosSender(100, TwoParty.RNG);
    RandomOtSenderOutput so = s.finish(r.thirdMessage(s.secondMessage(r.firstMessage())));
    RandomOtReceiverOutput ro = r.output();
    assertThrows(IllegalArgumentException.class,
        () -> new ReluReshareGarbler(fmt, 3, so.take(47), TwoParty.RNG));
    assertThrows(IllegalArgumentException.class,
        () -> new ReluReshareEvaluator(fmt, 3, ro.take(49)));
  }
}
