package dev.oml.mpc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ForwardingChannel;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.CircuitBuilder;
import dev.oml.mpc.circuit.Circuits;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A party that receives a malformed, short, long, foreign or out-of-order message aborts with
 * {@link ProtocolAbortException} and closes its channel, so its peer aborts with the same type
 * instead of hanging; both protocol threads end.
 */
class AbortTest {

  /** Wraps one endpoint and rewrites (or reorders) what it sends. */
  static final class Tamper extends ForwardingChannel {
    final int target;
    final UnaryOperator<byte[]> edit;
    final boolean swapWithNext;
    int sent;
    byte[] held;

    Tamper(Channel inner, int target, UnaryOperator<byte[]> edit, boolean swapWithNext) {
      super(inner);
      this.target = target;
      this.edit = edit;
      this.swapWithNext = swapWithNext;
    }

    @Override
    public void send(byte[] m) {
      int i = sent++;
      if (swapWithNext && i == target) {
        held = m;
        return;
      }
      inner().send(i == target ? edit.apply(m) : m);
      if (held != null) {
        inner().send(held);
        held = null;
      }
    }
  }

  static Circuit circuit() {
    CircuitBuilder b = new CircuitBuilder(8, 8);
    return b.build(Circuits.add(b, b.garblerInputs(0, 8), b.evaluatorInputs(0, 8)));
  }

  /**
   * Runs garbler and evaluator, tampering with the {@code target}-th message sent by the
   * garbler (if {@code byGarbler}) or the evaluator; returns what each side threw.
   */
  static Throwable[] runTampered(boolean byGarbler, int target, UnaryOperator<byte[]> edit,
      boolean swap) throws Exception {
    Circuit c = circuit();
    InMemoryChannel.Pair p = InMemoryChannel.pair(Duration.ofSeconds(20));
    Channel gch = byGarbler ? new Tamper(p.first(), target, edit, swap) : p.first();
    Channel ech = byGarbler ? p.second() : new Tamper(p.second(), target, edit, swap);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> g = pool.submit(() -> {
        GcGarblerSession s = new GcGarblerSession(c, 4, TwoParty.RNG);
        s.runOffline(gch);
        s.runOnline(gch, new boolean[32]);
        return null;
      });
      Future<?> e = pool.submit(() -> {
        GcEvaluatorSession s = new GcEvaluatorSession(c, 4, TwoParty.RNG);
        s.runOffline(ech);
        s.runOnline(ech, new boolean[32]);
        return null;
      });
      return new Throwable[] {failure(g), failure(e)};
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "a protocol thread is still running");
    }
  }

  static Throwable failure(Future<?> f) throws Exception {
    try {
      f.get(30, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException ex) {
      return ex.getCause();
    }
  }

  static void assertBothAbort(Throwable[] t) {
    for (Throwable x : t) {
      if (!(x instanceof ProtocolAbortException)) {
        fail("expected ProtocolAbortException on both sides, got " + Arrays.toString(t));
      }
      assertFalse(x.getMessage().isEmpty());
    }
  }

  // Garbler sends: 0 = OT answer, 1 = garbled tables, 2 = online response.
  // Evaluator sends: 0 = OT start, 1 = OT matrix and check, 2 = online request.

  @Test
  void shortMessagesAbortBothSides() throws Exception {
    for (int target = 0; target < 2; target++) {
      assertBothAbort(runTampered(true, target, m -> Arrays.copyOf(m, m.length - 1), false));
    }
    for (int target = 0; target < 3; target++) {
      assertBothAbort(runTampered(false, target, m -> Arrays.copyOf(m, m.length - 1), false));
    }
  }

  @Test
  void longMessagesAbortBothSides() throws Exception {
    for (int target = 0; target < 2; target++) {
      assertBothAbort(runTampered(true, target, m -> Arrays.copyOf(m, m.length + 16), false));
    }
    for (int target = 0; target < 3; target++) {
      assertBothAbort(runTampered(false, target, m -> Arrays.copyOf(m, m.length + 16), false));
    }
  }

  @Test
  void foreignEmptyAndCorruptMessagesAbortBothSides() throws Exception {
    assertBothAbort(runTampered(true, 0, m -> new byte[0], false));
    assertBothAbort(runTampered(false, 0, m -> new byte[] {0x7f, 1, 2}, false));
    // a point that is not on the curve
    assertBothAbort(runTampered(false, 0, m -> {
      byte[] b = m.clone();
      b[1] = 5;
      return b;
    }, false));
    // a flipped bit in the OT extension matrix: the KOS check fails at the garbler
    assertBothAbort(runTampered(false, 1, m -> {
      byte[] b = m.clone();
      b[100] ^= 1;
      return b;
    }, false));
    // padding bits set in the online request
    assertBothAbort(runTampered(false, 2, m -> {
      byte[] b = m.clone();
      b[b.length - 1] |= (byte) 0x80;
      return b;
    }, false));
  }

  @Test
  void outOfOrderMessagesAbortBothSides() throws Exception {
    // the garbler's OT answer and garbled tables arrive swapped
    assertBothAbort(runTampered(true, 0, m -> m, true));
  }

  @Test
  void malformedLastMessageAbortsItsReceiver() throws Exception {
    // The garbler's online response is the protocol's last message: the garbler is done when
    // it is tampered with, so only the evaluator can (and does) abort.
    Throwable[] t = runTampered(true, 2, m -> Arrays.copyOf(m, m.length - 3), false);
    assertEquals(null, t[0]);
    assertTrue(t[1] instanceof ProtocolAbortException);
  }

  @Test
  void errorMessagesCarryNoPayload() throws Exception {
    Throwable[] t = runTampered(false, 1, m -> {
      byte[] b = m.clone();
      b[100] ^= 1;
      return b;
    }, false);
    assertTrue(t[0].getMessage().contains("KOS consistency check failed"), t[0].getMessage());
  }
}
