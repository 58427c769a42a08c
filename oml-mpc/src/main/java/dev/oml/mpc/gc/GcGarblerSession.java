package dev.oml.mpc.gc;

import dev.oml.core.transport.Channel;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.internal.HalfGates;
import dev.oml.mpc.internal.MessageWriter;
import dev.oml.mpc.internal.Prg;
import dev.oml.mpc.ot.KosSender;
import dev.oml.mpc.ot.RandomOtSenderOutput;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The garbler's side of one two-party evaluation of {@code n} instances of a circuit, split into
 * an offline phase that needs no inputs and an online phase of one round trip. The evaluator's
 * side is {@link GcEvaluatorSession}.
 *
 * <p>Offline: the constructor garbles (fresh {@code Delta}, fresh labels); {@link
 * #offlineRespond(byte[])} answers the evaluator's first OT message, {@link #garbledTables()}
 * hands out the tables and output decoding once, {@link #offlineFinish(byte[])} completes and
 * checks the KOS15 random OTs, one per evaluator input bit. Online: {@link
 * #onlineRespond(byte[], boolean[])} takes the evaluator's derandomization request {@code e = x ^
 * c} and the garbler's own input bits and returns the garbler's input labels plus, for every
 * evaluator input bit, both labels masked by the random-OT messages ({@code y_b = W^b ^
 * m_(b ^ e)}), of which the evaluator can open exactly one. Then every secret of the session is
 * erased; a session serves one evaluation and any further call throws.
 *
 * <p>Security: semi-honest garbler, malicious-receiver-safe OT (KOS15); the evaluator learns
 * only the circuit's outputs. Messages are checked for type and exact length; a malformed
 * message throws {@link dev.oml.core.transport.ProtocolAbortException}.
 */
public final class GcGarblerSession {
  static final int TAG_RESPONSE = 0x23;

  private enum State { NEW, OT_STARTED, OT_DONE, DONE }

  private final Circuit circuit;
  private final int instances;
  private final int offlineInputs;
  private long dlo;
  private long dhi;
  private long[] inputZeros;
  private byte[] tablesMessage;
  private KosSender ot;
  private RandomOtSenderOutput pads;
  private State state = State.NEW;

  /**
   * Garbles {@code instances} copies of {@code circuit} with fresh randomness from {@code rng};
   * all garbler inputs are supplied online.
   *
   * @throws IllegalArgumentException if {@code instances < 1} or the circuit has no evaluator
   *     inputs
   */
  public GcGarblerSession(Circuit circuit, int instances, SecureRandom rng) {
    this(circuit, instances, 0, new boolean[0], rng);
  }

  /**
   * Garbles {@code instances} copies of {@code circuit}, fixing the last
   * {@code offlineGarblerInputs} garbler inputs of every instance now: their active labels
   * travel with the garbled tables, which takes them off the online path. Use it for inputs
   * known before the query, such as re-sharing masks. {@code offlineBits} is instance-major
   * ({@code offlineGarblerInputs} bits per instance).
   *
   * @throws IllegalArgumentException if a count or length does not fit the circuit
   */
  public GcGarblerSession(Circuit circuit, int instances, int offlineGarblerInputs,
      boolean[] offlineBits, SecureRandom rng) {
    this(circuit, instances, offlineGarblerInputs, offlineBits, rng, true);
  }

  private GcGarblerSession(Circuit circuit, int instances, int offlineGarblerInputs,
      boolean[] offlineBits, SecureRandom rng, boolean ownOts) {
    if (instances < 1) {
      throw new IllegalArgumentException("instances must be positive");
    }
    if (circuit.evaluatorInputs() < 1) {
      throw new IllegalArgumentException("the circuit has no evaluator inputs");
    }
    if (offlineGarblerInputs < 0 || offlineGarblerInputs > circuit.garblerInputs()
        || offlineBits.length != offlineGarblerInputs * instances) {
      throw new IllegalArgumentException("offline garbler inputs do not fit the circuit");
    }
    this.circuit = circuit;
    this.instances = instances;
    this.offlineInputs = offlineGarblerInputs;
    int n = instances;
    Prg prg = Prg.fromRandom(rng);
    long[] d = new long[2];
    prg.fill(d, 0, 2);
    dlo = d[0] | 1; // point-and-permute: Delta's lowest bit is 1
    dhi = d[1];
    int inputs = circuit.garblerInputs() + circuit.evaluatorInputs();
    inputZeros = new long[2 * inputs * n];
    prg.fill(inputZeros, 0, inputZeros.length);
    long[] tables = new long[4 * circuit.andGates() * n];
    long[] outputZeros = new long[2 * circuit.outputs() * n];
    HalfGates.garble(circuit, n, dlo, dhi, inputZeros, 0, tables, outputZeros);
    long[] decode = new long[GarbledCircuit.decodeWords(circuit, n)];
    for (int bit = 0; bit < circuit.outputs() * n; bit++) {
      decode[bit >>> 6] |= (outputZeros[2 * bit] & 1) << (bit & 63);
    }
    Arrays.fill(outputZeros, 0);
    int firstOffline = circuit.garblerInputs() - offlineGarblerInputs;
    long[] fixed = new long[2 * offlineGarblerInputs * n];
    int o = 0;
    for (int k = 0; k < n; k++) {
      for (int i = 0; i < offlineGarblerInputs; i++) {
        o = putActive(fixed, o, firstOffline + i, k, offlineBits[k * offlineGarblerInputs + i]);
      }
    }
    tablesMessage = new MessageWriter(GarbledCircuit.TAG,
        GarbledCircuit.payloadBytes(circuit, n, offlineGarblerInputs))
        .putBytes(circuit.fingerprint())
        .putLongs(tables, 0, tables.length).putLongs(decode, 0, decode.length)
        .putLongs(fixed, 0, fixed.length).toByteArray();
    Arrays.fill(tables, 0);
    Arrays.fill(fixed, 0);
    ot = ownOts ? new KosSender(circuit.evaluatorInputs() * n, rng) : null;
  }

  /**
   * Garbles like {@link #GcGarblerSession(Circuit, int, int, boolean[], SecureRandom)} but takes
   * its random OTs from an extension run beforehand for a whole bundle (exactly
   * {@code evaluatorInputs * instances} of them, e.g. from {@link RandomOtSenderOutput#take}):
   * the offline phase is then just the tables message, and no base OTs are run per session.
   *
   * @throws IllegalArgumentException if the OT count does not match
   */
  public GcGarblerSession(Circuit circuit, int instances, int offlineGarblerInputs,
      boolean[] offlineBits, RandomOtSenderOutput randomOts, SecureRandom rng) {
    this(circuit, instances, offlineGarblerInputs, offlineBits, rng, false);
    if (randomOts.count() != circuit.evaluatorInputs() * instances) {
      erase();
      throw new IllegalArgumentException("expected " + (circuit.evaluatorInputs() * instances)
          + " random OTs, got " + randomOts.count());
    }
    pads = randomOts;
    state = State.OT_DONE;
  }

  // Writes the active label of garbler input i, instance k, for the given bit; returns o + 2.
  private int putActive(long[] out, int o, int i, int k, boolean bit) {
    int at = 2 * (i * instances + k);
    long m = bit ? -1L : 0L;
    out[o] = inputZeros[at] ^ (dlo & m);
    out[o + 1] = inputZeros[at + 1] ^ (dhi & m);
    return o + 2;
  }

  /** Offline message 2 (garbler to evaluator): the answer to the evaluator's first OT message. */
  public byte[] offlineRespond(byte[] first) {
    expect(State.NEW);
    state = State.OT_STARTED;
    return ot.secondMessage(first);
  }

  /**
   * The garbled tables and output decoding, to send to the evaluator (in the same flight as
   * {@link #offlineRespond(byte[])}'s answer). Returned once; the session drops its reference.
   */
  public byte[] garbledTables() {
    if (tablesMessage == null) {
      throw new IllegalStateException("the garbled tables were already handed out");
    }
    byte[] m = tablesMessage;
    tablesMessage = null;
    return m;
  }

  /** Consumes offline message 3 and checks it (KOS15); afterwards the session is online-ready. */
  public void offlineFinish(byte[] third) {
    expect(State.OT_STARTED);
    state = State.DONE; // until proven good: a failed check leaves the session unusable
    try {
      pads = ot.finish(third);
    } catch (RuntimeException e) {
      erase();
      throw e;
    }
    ot = null;
    state = State.OT_DONE;
  }

  /** Payload size of the online response. */
  static int responseBytes(Circuit c, int n, int offlineGarblerInputs) {
    return 16 * n * (c.garblerInputs() - offlineGarblerInputs) + 32 * n * c.evaluatorInputs();
  }

  /**
   * Online: answers the evaluator's request for its input labels, using this side's online input
   * bits (instance-major: bit {@code i} of instance {@code k} at {@code k * g + i}, with {@code g}
   * the garbler inputs not fixed offline), and erases the session.
   *
   * @throws dev.oml.core.transport.ProtocolAbortException if the request is malformed
   */
  public byte[] onlineRespond(byte[] request, boolean[] garblerBits) {
    expect(State.OT_DONE);
    int n = instances;
    int g = circuit.garblerInputs() - offlineInputs;
    int e = circuit.evaluatorInputs();
    if (garblerBits.length != g * n) {
      throw new IllegalArgumentException("expected " + (g * n) + " online garbler input bits");
    }
    state = State.DONE;
    try {
      long[] flips = GcEvaluatorSession.readRequest(request, e * n);
      long[] out = new long[responseBytes(circuit, n, offlineInputs) / 8];
      int o = 0;
      for (int k = 0; k < n; k++) {
        for (int i = 0; i < g; i++) {
          o = putActive(out, o, i, k, garblerBits[k * g + i]);
        }
      }
      long[] pad = new long[2];
      for (int k = 0; k < n; k++) {
        for (int i = 0; i < e; i++) {
          int ot = k * e + i;
          int at = 2 * ((circuit.garblerInputs() + i) * n + k);
          long z0 = inputZeros[at];
          long z1 = inputZeros[at + 1];
          int flip = (int) (flips[ot >>> 6] >>> (ot & 63)) & 1;
          // y_0 = W^0 ^ m_(e), y_1 = W^1 ^ m_(1 ^ e)
          pads.message(ot, flip, pad, 0);
          out[o++] = z0 ^ pad[0];
          out[o++] = z1 ^ pad[1];
          pads.message(ot, flip ^ 1, pad, 0);
          out[o++] = z0 ^ dlo ^ pad[0];
          out[o++] = z1 ^ dhi ^ pad[1];
        }
      }
      byte[] msg = new MessageWriter(TAG_RESPONSE, 8 * out.length).putLongs(out, 0, out.length)
          .toByteArray();
      Arrays.fill(out, 0);
      return msg;
    } finally {
      erase();
    }
  }

  private void erase() {
    dlo = 0;
    dhi = 0;
    if (inputZeros != null) {
      Arrays.fill(inputZeros, 0);
      inputZeros = null;
    }
    if (pads != null) {
      pads.erase();
      pads = null;
    }
    tablesMessage = null;
    ot = null;
  }

  private void expect(State s) {
    if (state != s) {
      throw new IllegalStateException("session step out of order: in state " + state
          + ", expected " + s);
    }
  }

  /**
   * Runs the offline phase over {@code channel}: receive, send the OT answer and the tables,
   * receive and check. On failure the channel is closed (so the peer aborts too), the session
   * erased, and the exception rethrown.
   */
  public void runOffline(Channel channel) {
    try {
      if (state == State.OT_DONE) {
        // random OTs came from a bundle-wide extension: only the tables remain to be sent
        channel.send(garbledTables());
        return;
      }
      channel.send(offlineRespond(channel.receive()));
      channel.send(garbledTables());
      offlineFinish(channel.receive());
    } catch (RuntimeException ex) {
      erase();
      state = State.DONE;
      channel.close();
      throw ex;
    }
  }

  /** Runs the online phase over {@code channel}; on failure as {@link #runOffline(Channel)}. */
  public void runOnline(Channel channel, boolean[] garblerBits) {
    try {
      channel.send(onlineRespond(channel.receive(), garblerBits));
    } catch (RuntimeException ex) {
      erase();
      state = State.DONE;
      channel.close();
      throw ex;
    }
  }
}
