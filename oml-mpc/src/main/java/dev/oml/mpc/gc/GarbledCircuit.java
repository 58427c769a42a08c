package dev.oml.mpc.gc;

import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.internal.HalfGates;
import dev.oml.mpc.internal.MessageReader;
import java.util.Arrays;

/**
 * The evaluator's copy of a garbled circuit: half-gates tables for {@code n} instances of one
 * {@link Circuit} and the decoding bits of its outputs. It is single use by construction:
 * {@link #evaluate(long[])} erases the tables and a second call throws, because evaluating one
 * garbling on two inputs would let the evaluator combine labels across evaluations (and the
 * garbler must in any case never hand out a second set of input labels for it).
 */
public final class GarbledCircuit {
  static final int TAG = 0x21;
  private final Circuit circuit;
  private final int instances;
  private long[] tables;
  private final long[] decode;
  private long[] offlineLabels;
  private boolean consumed;

  private GarbledCircuit(Circuit circuit, int instances, long[] tables, long[] decode,
      long[] offlineLabels) {
    this.circuit = circuit;
    this.instances = instances;
    this.tables = tables;
    this.decode = decode;
    this.offlineLabels = offlineLabels;
  }

  /**
   * Tables message layout: circuit fingerprint (16 bytes), tables (32 bytes per AND gate and
   * instance), decoding bits (output-major, padded to whole longs), then the active labels of
   * the garbler inputs fixed offline (16 bytes each, instance-major).
   */
  static int payloadBytes(Circuit c, int instances, int offlineGarblerInputs) {
    return 16 + c.andGates() * instances * 32 + decodeWords(c, instances) * 8
        + 16 * offlineGarblerInputs * instances;
  }

  static int decodeWords(Circuit c, int instances) {
    return (c.outputs() * instances + 63) / 64;
  }

  /** Parses the garbler's tables message for {@code instances} instances of {@code circuit}. */
  static GarbledCircuit read(Circuit circuit, int instances, int offlineGarblerInputs,
      byte[] message) {
    MessageReader r = new MessageReader(message, TAG,
        payloadBytes(circuit, instances, offlineGarblerInputs), "garbled tables");
    if (!java.security.MessageDigest.isEqual(r.getBytes(16), circuit.fingerprint())) {
      throw new ProtocolAbortException("garbled tables: they are for a different circuit than"
          + " the one this side built; check that both sides use the same format and sizes");
    }
    long[] t = new long[4 * circuit.andGates() * instances];
    r.getLongs(t, 0, t.length);
    long[] d = new long[decodeWords(circuit, instances)];
    r.getLongs(d, 0, d.length);
    int used = circuit.outputs() * instances;
    if (used % 64 != 0 && (d[d.length - 1] >>> (used % 64)) != 0) {
      throw new ProtocolAbortException("garbled tables: padding bits of the decoding are set");
    }
    long[] off = new long[2 * offlineGarblerInputs * instances];
    r.getLongs(off, 0, off.length);
    return new GarbledCircuit(circuit, instances, t, d, off);
  }

  /** The active labels of the offline garbler inputs; handed out once. */
  long[] takeOfflineLabels() {
    long[] o = offlineLabels;
    offlineLabels = null;
    return o;
  }

  /** The circuit this garbling is of. */
  public Circuit circuit() {
    return circuit;
  }

  /** Number of instances garbled together. */
  public int instances() {
    return instances;
  }

  /** True once evaluated: the tables are gone. */
  public boolean isConsumed() {
    return consumed;
  }

  /**
   * Evaluates once on the active input labels (wire-major, see {@code HalfGates}) and returns
   * the decoded outputs, instance-major: output {@code i} of instance {@code k} at
   * {@code k * outputs + i}. Erases the tables and the labels array.
   *
   * @throws IllegalStateException if this garbled circuit was already evaluated
   */
  boolean[] evaluate(long[] inputLabels) {
    if (consumed) {
      throw new IllegalStateException(
          "this garbled circuit was already evaluated; garbled material is single use");
    }
    consumed = true;
    int n = instances;
    int outs = circuit.outputs();
    long[] labels = new long[2 * outs * n];
    HalfGates.evaluate(circuit, n, inputLabels, 0, tables, labels);
    Arrays.fill(inputLabels, 0);
    Arrays.fill(tables, 0);
    tables = null;
    boolean[] result = new boolean[outs * n];
    for (int i = 0; i < outs; i++) {
      for (int k = 0; k < n; k++) {
        int bit = i * n + k;
        long d = (decode[bit >>> 6] >>> (bit & 63)) & 1;
        result[k * outs + i] = ((labels[2 * bit] & 1) ^ d) == 1;
      }
    }
    Arrays.fill(labels, 0);
    Arrays.fill(decode, 0);
    return result;
  }
}
