package dev.oml.mpc.gc;

import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.MessageWriter;
import dev.oml.mpc.ot.KosReceiver;
import dev.oml.mpc.ot.RandomOtReceiverOutput;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The evaluator's side of one two-party evaluation of {@code n} instances of a circuit (see
 * {@link GcGarblerSession} for the garbler and the message flow). Offline, before any input is
 * known: {@link #offlineStart()}, then {@link #offlineFinish(byte[], byte[])} with the garbler's
 * OT answer and garbled tables; this runs KOS15 as receiver and leaves one random OT per input
 * bit. Online: {@link #onlineRequest(boolean[])} sends only {@code e = x ^ c} (uniform, since the
 * random choices {@code c} are), and {@link #onlineFinish(byte[])} opens the input labels,
 * evaluates the garbled circuit once and decodes the outputs. A session serves one evaluation;
 * its secrets are erased as they are used.
 */
public final class GcEvaluatorSession {
  static final int TAG_REQUEST = 0x22;

  private enum State { NEW, OT_STARTED, TABLES_PENDING, OFFLINE_DONE, REQUESTED, DONE }

  private final Circuit circuit;
  private final int instances;
  private final int offlineInputs;
  private KosReceiver ot;
  private RandomOtReceiverOutput pads;
  private GarbledCircuit garbled;
  private boolean[] inputs;
  private State state = State.NEW;

  /**
   * Prepares to evaluate {@code instances} copies of {@code circuit}, all garbler inputs online.
   *
   * @throws IllegalArgumentException if {@code instances < 1} or the circuit has no evaluator
   *     inputs
   */
  public GcEvaluatorSession(Circuit circuit, int instances, SecureRandom rng) {
    this(circuit, instances, 0, rng);
  }

  /**
   * Prepares to evaluate {@code instances} copies of {@code circuit} whose last
   * {@code offlineGarblerInputs} garbler inputs per instance arrive with the garbled tables (see
   * the matching {@link GcGarblerSession} constructor).
   *
   * @throws IllegalArgumentException if a count does not fit the circuit
   */
  public GcEvaluatorSession(Circuit circuit, int instances, int offlineGarblerInputs,
      SecureRandom rng) {
    if (instances < 1) {
      throw new IllegalArgumentException("instances must be positive");
    }
    if (circuit.evaluatorInputs() < 1) {
      throw new IllegalArgumentException("the circuit has no evaluator inputs");
    }
    if (offlineGarblerInputs < 0 || offlineGarblerInputs > circuit.garblerInputs()) {
      throw new IllegalArgumentException("offline garbler inputs do not fit the circuit");
    }
    this.circuit = circuit;
    this.instances = instances;
    this.offlineInputs = offlineGarblerInputs;
    this.ot = new KosReceiver(circuit.evaluatorInputs() * instances, rng);
  }

  /**
   * Prepares to evaluate with random OTs from an extension run beforehand for a whole bundle
   * (exactly {@code evaluatorInputs * instances}, e.g. from {@link RandomOtReceiverOutput#take}),
   * matching the garbler's constructor of the same shape. The offline phase is then only
   * {@link #receiveTables(byte[])}.
   *
   * @throws IllegalArgumentException if a count does not fit
   */
  public GcEvaluatorSession(Circuit circuit, int instances, int offlineGarblerInputs,
      RandomOtReceiverOutput randomOts) {
    if (instances < 1 || circuit.evaluatorInputs() < 1) {
      throw new IllegalArgumentException("need at least one instance and evaluator input");
    }
    if (offlineGarblerInputs < 0 || offlineGarblerInputs > circuit.garblerInputs()) {
      throw new IllegalArgumentException("offline garbler inputs do not fit the circuit");
    }
    if (randomOts.count() != circuit.evaluatorInputs() * instances) {
      throw new IllegalArgumentException("expected " + (circuit.evaluatorInputs() * instances)
          + " random OTs, got " + randomOts.count());
    }
    this.circuit = circuit;
    this.instances = instances;
    this.offlineInputs = offlineGarblerInputs;
    this.pads = randomOts;
    this.state = State.TABLES_PENDING;
  }

  /**
   * Offline, with bundle-wide random OTs: consumes the garbler's tables message.
   *
   * @throws ProtocolAbortException if the message is malformed or for another circuit
   */
  public void receiveTables(byte[] tables) {
    expect(State.TABLES_PENDING);
    state = State.DONE;
    garbled = GarbledCircuit.read(circuit, instances, offlineInputs, tables);
    state = State.OFFLINE_DONE;
  }

  /** Offline message 1 (evaluator to garbler). */
  public byte[] offlineStart() {
    expect(State.NEW);
    state = State.OT_STARTED;
    return ot.firstMessage();
  }

  /**
   * Consumes the garbler's offline messages (OT answer, garbled tables) and returns offline
   * message 3.
   *
   * @throws ProtocolAbortException if a message is malformed or out of order
   */
  public byte[] offlineFinish(byte[] second, byte[] tables) {
    expect(State.OT_STARTED);
    state = State.DONE;
    byte[] third = ot.thirdMessage(second);
    pads = ot.output();
    ot = null;
    garbled = GarbledCircuit.read(circuit, instances, offlineInputs, tables);
    state = State.OFFLINE_DONE;
    return third;
  }

  /**
   * Online message 1: the derandomization request for this side's input bits (instance-major:
   * bit {@code i} of instance {@code k} at {@code k * evaluatorInputs + i}).
   */
  public byte[] onlineRequest(boolean[] evaluatorBits) {
    expect(State.OFFLINE_DONE);
    int total = circuit.evaluatorInputs() * instances;
    if (evaluatorBits.length != total) {
      throw new IllegalArgumentException("expected " + total + " evaluator input bits");
    }
    inputs = evaluatorBits.clone();
    long[] e = new long[(total + 63) / 64];
    for (int i = 0; i < total; i++) {
      e[i >>> 6] |= ((inputs[i] ? 1L : 0L) ^ pads.choice(i)) << (i & 63);
    }
    state = State.REQUESTED;
    return new MessageWriter(TAG_REQUEST, 8 * e.length).putLongs(e, 0, e.length).toByteArray();
  }

  static long[] readRequest(byte[] request, int bits) {
    int words = (bits + 63) / 64;
    MessageReader r = new MessageReader(request, TAG_REQUEST, 8 * words, "online request");
    long[] e = new long[words];
    r.getLongs(e, 0, words);
    if (bits % 64 != 0 && (e[words - 1] >>> (bits % 64)) != 0) {
      throw new ProtocolAbortException("online request: padding bits are set");
    }
    return e;
  }

  /**
   * Consumes the garbler's online response, evaluates and returns the decoded outputs
   * (instance-major: output {@code i} of instance {@code k} at {@code k * outputs + i}).
   *
   * @throws ProtocolAbortException if the response is malformed or out of order
   */
  public boolean[] onlineFinish(byte[] response) {
    expect(State.REQUESTED);
    state = State.DONE;
    int n = instances;
    int gAll = circuit.garblerInputs();
    int g = gAll - offlineInputs;
    int e = circuit.evaluatorInputs();
    try {
      int bytes = GcGarblerSession.responseBytes(circuit, n, offlineInputs);
      MessageReader r = new MessageReader(response, GcGarblerSession.TAG_RESPONSE, bytes,
          "online response");
      long[] in = new long[bytes / 8];
      r.getLongs(in, 0, in.length);
      long[] labels = new long[2 * (gAll + e) * n];
      int o = 0;
      for (int k = 0; k < n; k++) {
        for (int i = 0; i < g; i++) {
          int at = 2 * (i * n + k);
          labels[at] = in[o++];
          labels[at + 1] = in[o++];
        }
      }
      long[] fixed = garbled.takeOfflineLabels();
      int f = 0;
      for (int k = 0; k < n; k++) {
        for (int i = g; i < gAll; i++) {
          int at = 2 * (i * n + k);
          labels[at] = fixed[f++];
          labels[at + 1] = fixed[f++];
        }
      }
      long[] pad = new long[2];
      for (int k = 0; k < n; k++) {
        for (int i = 0; i < e; i++) {
          int ot = k * e + i;
          int at = 2 * ((gAll + i) * n + k);
          int x = inputs[ot] ? 1 : 0;
          pads.message(ot, pad, 0);
          // y_x ^ m_c = W^x, because x ^ e = c; select y_x without branching on x
          long m = -x;
          long ylo = (in[o] & ~m) | (in[o + 2] & m);
          long yhi = (in[o + 1] & ~m) | (in[o + 3] & m);
          labels[at] = ylo ^ pad[0];
          labels[at + 1] = yhi ^ pad[1];
          o += 4;
        }
      }
      Arrays.fill(in, 0);
      return garbled.evaluate(labels);
    } finally {
      pads.erase();
      pads = null;
      Arrays.fill(inputs, false);
      inputs = null;
    }
  }

  private void expect(State s) {
    if (state != s) {
      throw new IllegalStateException("session step out of order: in state " + state
          + ", expected " + s);
    }
  }

  /**
   * Runs the offline phase over {@code channel}. On failure the channel is closed (so the peer
   * aborts too) and the exception rethrown.
   */
  public void runOffline(Channel channel) {
    try {
      if (state == State.TABLES_PENDING) {
        receiveTables(channel.receive());
        return;
      }
      channel.send(offlineStart());
      byte[] second = channel.receive();
      byte[] tables = channel.receive();
      channel.send(offlineFinish(second, tables));
    } catch (RuntimeException ex) {
      state = State.DONE;
      if (pads != null) {
        pads.erase();
      }
      channel.close();
      throw ex;
    }
  }

  /** Runs the online phase over {@code channel}; on failure as {@link #runOffline(Channel)}. */
  public boolean[] runOnline(Channel channel, boolean[] evaluatorBits) {
    try {
      channel.send(onlineRequest(evaluatorBits));
      return onlineFinish(channel.receive());
    } catch (RuntimeException ex) {
      state = State.DONE;
      if (pads != null) {
        pads.erase();
      }
      channel.close();
      throw ex;
    }
  }
}
