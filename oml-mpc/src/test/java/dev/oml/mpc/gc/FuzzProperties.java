package dev.oml.mpc.gc;

import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.CircuitBuilder;
import dev.oml.mpc.circuit.Circuits;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever a peer sends, each protocol step either completes or throws {@link
 * ProtocolAbortException}: no other exception type (index errors, Bouncy Castle parse errors)
 * escapes. A mutated message that still parses may give a wrong result, which semi-honest
 * garbling does not detect; what matters here is that nothing crashes untyped.
 */
class FuzzProperties {

  static Circuit circuit() {
    CircuitBuilder b = new CircuitBuilder(6, 6);
    return b.build(Circuits.add(b, b.garblerInputs(0, 6), b.evaluatorInputs(0, 6)));
  }

  static byte[] mutate(byte[] m, SplittableRandom rnd) {
    switch (rnd.nextInt(4)) {
      case 0:
        return Arrays.copyOf(m, rnd.nextInt(m.length + 1));
      case 1:
        return Arrays.copyOf(m, m.length + 1 + rnd.nextInt(40));
      case 2: {
        byte[] b = new byte[rnd.nextInt(2 * m.length + 2)];
        rnd.nextBytes(b);
        if (b.length > 0 && rnd.nextBoolean()) {
          b[0] = m[0]; // keep the tag so that the fields get parsed
        }
        return b;
      }
      default: {
        byte[] b = m.clone();
        for (int i = 0; i < 1 + rnd.nextInt(4); i++) {
          b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
        }
        return b;
      }
    }
  }

  @Property(tries = 30)
  void everyStepFailsOnlyWithProtocolAbort(@ForAll @IntRange(min = 0, max = 5) int step,
      @ForAll long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Circuit c = circuit();
    GcGarblerSession g = new GcGarblerSession(c, 3, TwoParty.RNG);
    GcEvaluatorSession e = new GcEvaluatorSession(c, 3, TwoParty.RNG);
    try {
      byte[] first = e.offlineStart();
      if (step == 0) {
        first = mutate(first, rnd);
      }
      byte[] second = g.offlineRespond(first);
      byte[] tables = g.garbledTables();
      if (step == 1) {
        second = mutate(second, rnd);
      }
      if (step == 2) {
        tables = mutate(tables, rnd);
      }
      byte[] third = e.offlineFinish(second, tables);
      if (step == 3) {
        third = mutate(third, rnd);
      }
      g.offlineFinish(third);
      byte[] request = e.onlineRequest(new boolean[18]);
      if (step == 4) {
        request = mutate(request, rnd);
      }
      byte[] response = g.onlineRespond(request, new boolean[18]);
      if (step == 5) {
        response = mutate(response, rnd);
      }
      e.onlineFinish(response);
    } catch (ProtocolAbortException expected) {
      // the only acceptable failure
    }
  }
}
