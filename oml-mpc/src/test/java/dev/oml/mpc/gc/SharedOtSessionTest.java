package dev.oml.mpc.gc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.Circuits;
import dev.oml.mpc.ot.KosReceiver;
import dev.oml.mpc.ot.KosSender;
import dev.oml.mpc.ot.RandomOtReceiverOutput;
import dev.oml.mpc.ot.RandomOtSenderOutput;
import java.security.SecureRandom;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Several garbled-circuit sessions on slices of one KOS extension (base OTs paid once): each
 * evaluates its circuit exactly as in the clear, slices are independent and each OT lives in one
 * place; a session whose OTs are shared has no OT messages and refuses a wrong count.
 */
class SharedOtSessionTest {
  private static final SecureRandom RNG = new SecureRandom();
  private final Random rnd = new Random(17);

  private boolean[] bits(int n) {
    boolean[] b = new boolean[n];
    for (int i = 0; i < n; i++) {
      b[i] = rnd.nextBoolean();
    }
    return b;
  }

  @Test
  void sessionsOnSlicesOfOneExtensionEvaluateCorrectly() {
    FixedPointFormat fmt = FixedPointFormat.of(24, 8);
    Circuit[] circuits = {Circuits.reluReshare(fmt), Circuits.argmaxOfShares(fmt, 5),
        Circuits.reluReshare(fmt)};
    int[] instances = {7, 1, 3};
    int[] offline = {24, 0, 24};
    int[] counts = new int[3];
    int total = 0;
    for (int k = 0; k < 3; k++) {
      counts[k] = circuits[k].evaluatorInputs() * instances[k];
      total += counts[k];
    }
    KosReceiver r = new KosReceiver(total + 5, RNG);
    KosSender s = new KosSender(total + 5, RNG);
    byte[] third = r.thirdMessage(s.secondMessage(r.firstMessage()));
    RandomOtSenderOutput[] sp = s.finish(third).split(counts);
    RandomOtReceiverOutput[] rp = r.output().split(counts);
    for (int k = 0; k < 3; k++) {
      Circuit c = circuits[k];
      int n = instances[k];
      boolean[] fixed = bits(offline[k] * n);
      GcGarblerSession g = GcGarblerSession.withSharedOts(c, n, offline[k], fixed, RNG);
      GcEvaluatorSession e = new GcEvaluatorSession(c, n, offline[k], rp[k]);
      e.receiveTables(g.garbledTables());
      g.attachOts(sp[k]);
      int online = c.garblerInputs() - offline[k];
      boolean[] gOnline = bits(online * n);
      boolean[] ev = bits(c.evaluatorInputs() * n);
      boolean[] out = e.onlineFinish(g.onlineRespond(e.onlineRequest(ev), gOnline));
      boolean[] gAll = new boolean[c.garblerInputs() * n];
      for (int i = 0; i < n; i++) {
        System.arraycopy(gOnline, i * online, gAll, i * c.garblerInputs(), online);
        System.arraycopy(fixed, i * offline[k], gAll, i * c.garblerInputs() + online, offline[k]);
      }
      assertArrayEquals(TwoParty.plain(c, n, gAll, ev), out, "session " + k);
    }
  }

  @Test
  void splitKeepsEachOtInOnePlace() {
    KosReceiver r = new KosReceiver(300, RNG);
    KosSender s = new KosSender(300, RNG);
    byte[] third = r.thirdMessage(s.secondMessage(r.firstMessage()));
    RandomOtSenderOutput so = s.finish(third);
    RandomOtReceiverOutput ro = r.output();
    long[] m = new long[2];
    long[] mc = new long[2];
    ro.message(130, m, 0);
    int c = ro.choice(130);
    RandomOtReceiverOutput[] parts = ro.split(100, 100, 100);
    RandomOtSenderOutput[] sparts = so.split(100, 100, 100);
    assertEquals(c, parts[1].choice(30));
    parts[1].message(30, mc, 0);
    assertArrayEquals(m, mc);
    sparts[1].message(30, c, mc, 0);
    assertArrayEquals(m, mc);
    ro.message(130, mc, 0);
    assertArrayEquals(new long[2], mc, "the parent batch is erased");
    assertThrows(IllegalArgumentException.class, () -> parts[0].split(101));
  }

  @Test
  void wrongOtCountIsRefused() {
    FixedPointFormat fmt = FixedPointFormat.of(24, 8);
    Circuit c = Circuits.reluReshare(fmt);
    KosReceiver r = new KosReceiver(10, RNG);
    KosSender s = new KosSender(10, RNG);
    byte[] third = r.thirdMessage(s.secondMessage(r.firstMessage()));
    GcGarblerSession g = GcGarblerSession.withSharedOts(c, 1, 24, new boolean[24], RNG);
    assertThrows(IllegalArgumentException.class, () -> g.attachOts(s.finish(third)));
    assertThrows(IllegalArgumentException.class,
        () -> new GcEvaluatorSession(c, 1, 24, r.output()));
    GcGarblerSession own = new GcGarblerSession(c, 1, RNG);
    assertThrows(IllegalStateException.class, () -> own.attachOts(null));
  }
}
