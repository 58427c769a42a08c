package dev.oml.mpc.gc;

import dev.oml.core.transport.InMemoryChannel;
import dev.oml.mpc.circuit.Circuit;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs a circuit through real garbling and real OT, both parties over an in-memory pair. */
final class TwoParty {
  static final SecureRandom RNG = new SecureRandom();

  private TwoParty() {}

  static boolean[] run(Circuit c, int n, boolean[] garblerBits, boolean[] evaluatorBits) {
    InMemoryChannel.Pair p = InMemoryChannel.pair();
    CompletableFuture<Void> garbler = CompletableFuture.runAsync(() -> {
      GcGarblerSession g = new GcGarblerSession(c, n, RNG);
      g.runOffline(p.first());
      g.runOnline(p.first(), garblerBits);
    });
    GcEvaluatorSession e = new GcEvaluatorSession(c, n, RNG);
    e.runOffline(p.second());
    boolean[] out = e.runOnline(p.second(), evaluatorBits);
    try {
      garbler.get(60, TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException ex) {
      throw new AssertionError(ex);
    }
    return out;
  }

  /** Plain evaluation of each instance, as the oracle. */
  static boolean[] plain(Circuit c, int n, boolean[] garblerBits, boolean[] evaluatorBits) {
    int g = c.garblerInputs();
    int e = c.evaluatorInputs();
    int o = c.outputs();
    boolean[] out = new boolean[o * n];
    for (int k = 0; k < n; k++) {
      boolean[] gi = java.util.Arrays.copyOfRange(garblerBits, k * g, (k + 1) * g);
      boolean[] ei = java.util.Arrays.copyOfRange(evaluatorBits, k * e, (k + 1) * e);
      System.arraycopy(c.evaluate(gi, ei), 0, out, k * o, o);
    }
    return out;
  }
}
