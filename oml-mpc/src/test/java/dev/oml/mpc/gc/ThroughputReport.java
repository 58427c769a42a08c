package dev.oml.mpc.gc;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.Circuits;
import dev.oml.mpc.internal.HalfGates;
import dev.oml.mpc.ot.KosReceiver;
import dev.oml.mpc.ot.KosSender;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Rough single-thread figures printed to stdout (OTs/s, AND gates/s, bytes per ReLU); not a
 * benchmark (JMH benches live in oml-bench). Run with -Pslow or -Dtest=ThroughputReport
 * -Dgroups=slow.
 */
@Tag("slow")
class ThroughputReport {
  static final SecureRandom RNG = new SecureRandom();

  @Test
  void report() throws Exception {
    for (int rep = 0; rep < 4; rep++) {
      kos(1 << 20);
    }
    FixedPointFormat fmt = FixedPointFormat.of(40, 16);
    for (int rep = 0; rep < 5; rep++) {
      garbling(fmt, 20000);
    }
    bytesPerRelu(fmt, 1000);
    // Network A's format (784-128-128-10): 256 ReLUs per query
    bytesPerRelu(FixedPointFormat.of(45, 12), 256);
    bytesPerRelu(FixedPointFormat.of(45, 12), 256);
  }

  static void kos(int n) {
    KosReceiver r = new KosReceiver(n, RNG);
    KosSender s = new KosSender(n, RNG);
    long t0 = System.nanoTime();
    byte[] m1 = r.firstMessage();
    long t1 = System.nanoTime();
    byte[] m2 = s.secondMessage(m1);
    long t2 = System.nanoTime();
    byte[] m3 = r.thirdMessage(m2);
    long t3 = System.nanoTime();
    s.finish(m3);
    long t4 = System.nanoTime();
    double base = (t1 - t0 + t2 - t1) / 1e6;
    System.out.printf("KOS %d OTs: base OTs (both sides) %.1f ms, receiver extend %.1f ms,"
        + " sender extend+check %.1f ms => %.2f M OTs/s per side (receiver), %.2f M/s (sender);"
        + " %d bytes sent by receiver (%.1f bytes/OT)%n", n, base, (t3 - t2) / 1e6,
        (t4 - t3) / 1e6, n / ((t3 - t2) / 1e3), n / ((t4 - t3) / 1e3), m1.length + m3.length,
        (double) (m1.length + m3.length) / n);
  }

  static void garbling(FixedPointFormat fmt, int n) {
    Circuit c = Circuits.reluReshare(fmt);
    long[] in = new long[2 * (c.garblerInputs() + c.evaluatorInputs()) * n];
    for (int i = 0; i < in.length; i++) {
      in[i] = i * 0x9E3779B97F4A7C15L;
    }
    long[] tables = new long[4 * c.andGates() * n];
    long[] out = new long[2 * c.outputs() * n];
    long t0 = System.nanoTime();
    HalfGates.garble(c, n, 0x1234567L | 1, 0x89abcdefL, in, 0, tables, out);
    long t1 = System.nanoTime();
    HalfGates.evaluate(c, n, in, 0, tables, out);
    long t2 = System.nanoTime();
    long ands = (long) c.andGates() * n;
    System.out.printf("%s x %d neurons (%d AND each): garble %.1f ms = %.2f M AND/s,"
        + " evaluate %.1f ms = %.2f M AND/s%n", c, n, c.andGates(), (t1 - t0) / 1e6,
        ands / ((t1 - t0) / 1e3), (t2 - t1) / 1e6, ands / ((t2 - t1) / 1e3));
  }

  static void bytesPerRelu(FixedPointFormat fmt, int n) throws Exception {
    InMemoryChannel.Pair p = InMemoryChannel.pair();
    long[] zero = new long[n];
    long t0 = System.nanoTime();
    CompletableFuture<Void> owner = CompletableFuture.runAsync(() -> {
      ReluReshareGarbler g = new ReluReshareGarbler(fmt, n, RNG);
      g.runOffline(p.first());
      g.runOnline(p.first(), zero);
    });
    ReluReshareEvaluator e = new ReluReshareEvaluator(fmt, n, RNG);
    e.runOffline(p.second());
    long offG = p.first().bytesSent();
    long offE = p.second().bytesSent();
    long t1 = System.nanoTime();
    e.runOnline(p.second(), zero);
    owner.get();
    long t2 = System.nanoTime();
    long onG = p.first().bytesSent() - offG;
    long onE = p.second().bytesSent() - offE;
    int ands = Circuits.reluReshare(fmt).andGates();
    System.out.printf("ReLU-reshare %s, %d neurons: offline %.1f ms, online %.1f ms (wall, both"
        + " parties in one JVM); bytes/neuron offline owner->user %.0f (tables alone %d),"
        + " user->owner %.0f; online owner->user %.0f, user->owner %.1f; total %.0f; flights"
        + " owner %d user %d%n", fmt, n, (t1 - t0) / 1e6, (t2 - t1) / 1e6,
        (double) offG / n, 32 * ands, (double) offE / n, (double) onG / n, (double) onE / n,
        (double) (p.first().bytesSent() + p.second().bytesSent()) / n, p.first().roundsSent(),
        p.second().roundsSent());
  }
}
