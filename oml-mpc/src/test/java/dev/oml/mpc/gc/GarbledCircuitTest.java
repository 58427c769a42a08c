package dev.oml.mpc.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.Circuits;
import org.junit.jupiter.api.Test;

class GarbledCircuitTest {

  @Test
  void secondEvaluationIsImpossible() {
    FixedPointFormat fmt = FixedPointFormat.of(16, 4);
    Circuit c = Circuits.reluReshare(fmt);
    GcGarblerSession g = new GcGarblerSession(c, 3, TwoParty.RNG);
    GcEvaluatorSession e = new GcEvaluatorSession(c, 3, TwoParty.RNG);
    byte[] m2 = g.offlineRespond(e.offlineStart());
    byte[] tables = g.garbledTables();
    assertThrows(IllegalStateException.class, g::garbledTables);
    g.offlineFinish(e.offlineFinish(m2, tables));
    byte[] request = e.onlineRequest(new boolean[3 * 16]);
    byte[] response = g.onlineRespond(request, new boolean[3 * 32]);
    boolean[] out = e.onlineFinish(response);
    assertEquals(48, out.length);
    // neither side can run the online phase again: the garbler erased its labels and the
    // evaluator's garbled circuit erased its tables
    assertThrows(IllegalStateException.class, () -> e.onlineFinish(response));
    assertThrows(IllegalStateException.class, () -> e.onlineRequest(new boolean[48]));
    assertThrows(IllegalStateException.class,
        () -> g.onlineRespond(request, new boolean[3 * 32]));
  }

  @Test
  void garbledCircuitObjectThrowsOnReuse() {
    FixedPointFormat fmt = FixedPointFormat.of(16, 4);
    Circuit c = Circuits.reluReshare(fmt);
    GcGarblerSession g = new GcGarblerSession(c, 1, TwoParty.RNG);
    GarbledCircuit gc = GarbledCircuit.read(c, 1, 0, g.garbledTables());
    gc.evaluate(new long[2 * (c.garblerInputs() + c.evaluatorInputs())]);
    assertTrue(gc.isConsumed());
    assertThrows(IllegalStateException.class,
        () -> gc.evaluate(new long[2 * (c.garblerInputs() + c.evaluatorInputs())]));
  }

  @Test
  void tablesForAnotherCircuitAreRejected() {
    // same sizes except f: the AND counts differ by one, so use l, f with equal layouts
    Circuit mine = Circuits.reluReshare(FixedPointFormat.of(20, 5));
    Circuit theirs = Circuits.reluReshare(FixedPointFormat.of(20, 6));
    GcGarblerSession g = new GcGarblerSession(theirs, 1, TwoParty.RNG);
    byte[] tables = g.garbledTables();
    // pad or cut the message to the size this side expects, to reach the fingerprint check
    byte[] resized = java.util.Arrays.copyOf(tables, 1 + GarbledCircuit.payloadBytes(mine, 1, 0));
    org.junit.jupiter.api.Assertions.assertThrows(
        dev.oml.core.transport.ProtocolAbortException.class,
        () -> GarbledCircuit.read(mine, 1, 0, resized));
  }
}
