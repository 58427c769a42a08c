package dev.oml.mpc.gc;

import dev.oml.core.field.FieldCodec;
import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.AuthenticatedVector;
import dev.oml.mpc.auth.LabelTable;
import dev.oml.mpc.gc.FieldLayerMessages.Garbling;
import dev.oml.mpc.gc.FieldLayerMessages.InputLabels;
import dev.oml.mpc.gc.FieldLayerMessages.LabelRequest;
import dev.oml.mpc.gc.FieldLayerMessages.OtStart;
import dev.oml.mpc.gc.FieldLayerMessages.OutputDecoding;
import dev.oml.mpc.internal.HalfGates;
import dev.oml.mpc.internal.Parallel;
import dev.oml.mpc.ot.KosDomain;
import dev.oml.mpc.ot.KosExtensionReceiver;
import dev.oml.mpc.ot.KosReceiver;
import dev.oml.mpc.ot.RandomOtReceiverOutput;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * The licensee's (evaluator's) side of one tier-2 garbled layer over {@code F_p} (the owner's is
 * {@link FieldLayerGarbler}). Steps, each returning the object that has the next one:
 * {@link #start} (the {@link OtStart}) &rarr; {@link #receive(Garbling)} (checks the garbling's
 * circuit and sizes) &rarr; {@link Ready#request(long[])} with {@code z_U} &rarr;
 * {@link Requested#finish(InputLabels)}: opens the input labels, evaluates once, and reads both
 * label tables &rarr; {@link Evaluated}: the tag on the {@code z_U} the circuit saw (for the
 * check's zero claim), U's output share with its tag (hidden layer) or the tags alone until the
 * owner releases the decoding (last layer). Every message after the first is bound to the
 * garbling's session id; tables and labels are erased once used and each step runs once.
 *
 * <p>Within a bundle ({@link #start(FieldLayerSpec, KosExtensionReceiver, KosDomain)}), the
 * random OTs come from the bundle's extension: the {@link OtStart} carries this layer's whole
 * extension message, the garbling carries no KOS message, and the label request only
 * derandomizes.
 */
public final class FieldLayerEvaluator {
  private final FieldLayerWires wires;
  private KosReceiver ot;
  private RandomOtReceiverOutput offlinePads;
  private final byte[] first;
  private boolean received;

  private FieldLayerEvaluator(FieldLayerSpec spec, SecureRandom rng) {
    wires = new FieldLayerWires(spec);
    ot = new KosReceiver(wires.circuit.evaluatorInputs() * wires.n, rng);
    first = new OtStart(ot.firstMessage()).encode();
  }

  private FieldLayerEvaluator(FieldLayerSpec spec, KosExtensionReceiver ext, KosDomain domain) {
    wires = new FieldLayerWires(spec);
    KosExtensionReceiver.Extension x = ext.extend(wires.circuit.evaluatorInputs() * wires.n,
        Objects.requireNonNull(domain, "domain"));
    offlinePads = x.output();
    first = new OtStart(x.message()).encode();
  }

  /**
   * Starts a layer of a bundle: its random OTs are drawn now from the bundle's extension
   * {@code ext} for {@code domain}, and the {@link OtStart} carries the extension message.
   */
  public static FieldLayerEvaluator start(FieldLayerSpec spec, KosExtensionReceiver ext,
      KosDomain domain) {
    return new FieldLayerEvaluator(spec, ext, domain);
  }

  /** Starts a layer: the OT start message is ready in {@link #message()}. */
  public static FieldLayerEvaluator start(FieldLayerSpec spec, SecureRandom rng) {
    return new FieldLayerEvaluator(spec, rng);
  }

  /** The {@link OtStart} message, encoded. */
  public byte[] message() {
    return first.clone();
  }

  /**
   * Takes the owner's garbling.
   *
   * @throws ProtocolAbortException if it is malformed or for another circuit
   */
  public Ready receive(Garbling g) {
    if (received) {
      throw new IllegalStateException("this layer already received its garbling");
    }
    received = true;
    var c = wires.circuit;
    int n = wires.n;
    if (g.session().length != FieldLayerMessages.SESSION_BYTES) {
      throw new ProtocolAbortException("field layer garbling: bad session id");
    }
    if (!MessageDigest.isEqual(g.fingerprint(), c.fingerprint())) {
      throw new ProtocolAbortException("field layer garbling: it is for a different circuit than"
          + " the one this side built; check that both sides use the same layer spec");
    }
    FieldLayerMessages.expectLength(g.tables(), 4 * c.andGates() * n, "garbled tables");
    int maskWires = c.garblerInputs() - wires.spec.onlineGarblerInputs();
    FieldLayerMessages.expectLength(g.maskLabels(), 2 * maskWires * n, "mask labels");
    int decodedBits = wires.spec.decodedBits();
    FieldLayerMessages.expectLength(g.decoding(), wires.spec.decodingWithheld() ? 0
        : FieldLayerWires.words(decodedBits), "decoding");
    checkPadding(g.decoding(), decodedBits);
    LabelTable in = LabelTable.fromMessage(g.inputTable(), wires.values,
        FieldLayerWires.INPUT_WIRES);
    LabelTable out = null;
    LabelTable share = null;
    long[] offsets = null;
    if (wires.label) {
      if (g.outputTable().length != 0) {
        throw new ProtocolAbortException("field layer garbling: an argmax has no output table");
      }
    } else {
      out = LabelTable.fromMessage(g.outputTable(), wires.outputs, wires.resultBits);
    }
    if (wires.spec.sharedOutput()) {
      share = LabelTable.fromMessage(g.shareTable(), wires.outputs, wires.resultBits);
      if (g.shareOffsets().length != FieldCodec.bytes(wires.outputs)) {
        throw new ProtocolAbortException("field layer garbling: the share offsets have "
            + g.shareOffsets().length + " bytes, expected " + FieldCodec.bytes(wires.outputs));
      }
      offsets = FieldCodec.unpack(g.shareOffsets(), new long[wires.outputs],
          "field layer share offsets");
    } else if (g.shareTable().length != 0 || g.shareOffsets().length != 0) {
      throw new ProtocolAbortException("field layer garbling: this layer kind has no share"
          + " table");
    }
    byte[] third;
    RandomOtReceiverOutput pads;
    long[] chosen = null;
    int count = FieldLayerWires.K * wires.values;
    if (offlinePads != null) {
      if (g.kos().length != 0) {
        throw new ProtocolAbortException("field layer garbling: the OTs come from the bundle's"
            + " extension; the garbling carries no KOS message");
      }
      FieldLayerMessages.expectLength(g.choiceLabels(), 2 * count, "choice labels");
      third = new byte[0];
      pads = offlinePads;
      offlinePads = null;
      // m_0 ^ c Delta for each bit's random choice c: m_c, or m_1 ^ (m_0 ^ m_1 ^ Delta)
      chosen = new long[2 * count];
      long[] cl = g.choiceLabels();
      long[] pad = new long[2];
      for (int i = 0; i < count; i++) {
        pads.message(i, pad, 0);
        long m = -(long) pads.choice(i);
        chosen[2 * i] = pad[0] ^ (cl[2 * i] & m);
        chosen[2 * i + 1] = pad[1] ^ (cl[2 * i + 1] & m);
      }
      pad[0] = 0;
      pad[1] = 0;
      FieldLayerMessages.erase(cl);
    } else {
      FieldLayerMessages.expectLength(g.choiceLabels(), 0, "choice labels");
      third = ot.thirdMessage(g.kos());
      pads = ot.output();
    }
    ot = null;
    return new Ready(g, in, out, share, offsets, third, pads, chosen);
  }

  /** Fewest values worth a second thread for the label tables. */
  private static final int MIN_SPLIT = 16;

  private static void both(boolean split, Runnable a, Runnable b) {
    if (split && Parallel.idleCore()) {
      Parallel.both(a, b);
    } else {
      a.run();
      b.run();
    }
  }

  private static void checkPadding(long[] d, int bits) {
    if (d.length > 0 && bits % 64 != 0 && (d[d.length - 1] >>> (bits % 64)) != 0) {
      throw new ProtocolAbortException("field layer: padding bits of the decoding are set");
    }
  }

  /** Offline done: waits for {@code z_U}. */
  public final class Ready {
    private final byte[] session;
    private long[] tables;
    private long[] maskLabels;
    private final long[] decoding;
    private LabelTable inputTable;
    private LabelTable outputTable;
    private LabelTable shareTable;
    private final long[] shareOffsets;
    private final byte[] kos;
    private RandomOtReceiverOutput pads;
    // within a bundle: m_0 ^ c Delta per bit of z_U (null for a layer with its own OTs)
    private long[] chosen;
    private boolean requested;

    private Ready(Garbling g, LabelTable in, LabelTable out, LabelTable share, long[] offsets,
        byte[] kos, RandomOtReceiverOutput pads, long[] chosen) {
      this.chosen = chosen;
      this.shareTable = share;
      this.shareOffsets = offsets;
      this.session = g.session().clone();
      this.tables = g.tables();
      this.maskLabels = g.maskLabels();
      this.decoding = g.decoding();
      this.inputTable = in;
      this.outputTable = out;
      this.kos = kos;
      this.pads = pads;
    }

    /**
     * The label request for {@code z_U}, one canonical element per value: U's share of the
     * layer's pre-activations, the same values it holds authenticated.
     *
     * @throws dev.oml.core.field.FieldElementException if a value is not in {@code F_p}
     */
    public Requested request(long[] zU) {
      FieldLayerWires.requireCanonical(zU, wires.values, "z_U");
      return requestBits(zU);
    }

    // Feeds any 46-bit words, canonical or not: the honest path above checks first; attack
    // tests call this directly to play a licensee that feeds z_U + p.
    Requested requestBits(long[] words) {
      if (requested) {
        throw new IllegalStateException("this layer already requested its labels");
      }
      if (words.length != wires.values) {
        throw new IllegalArgumentException("expected " + wires.values + " values");
      }
      requested = true;
      int k = FieldLayerWires.K;
      int count = k * wires.values;
      long[] flips = new long[FieldLayerWires.words(count)];
      boolean[] bits = new boolean[count];
      for (int v = 0; v < wires.values; v++) {
        for (int j = 0; j < k; j++) {
          int i = v * k + j;
          bits[i] = ((words[v] >>> j) & 1) != 0;
          flips[i >>> 6] |= ((bits[i] ? 1L : 0L) ^ pads.choice(i)) << (i & 63);
        }
      }
      byte[] msg = new LabelRequest(session.clone(), kos, flips).encode();
      return new Requested(this, words.clone(), bits, msg);
    }
  }

  /** The labels are requested: waits for them. */
  public final class Requested {
    private final Ready ready;
    private final long[] fed;
    private boolean[] bits;
    private final byte[] message;
    private boolean finished;

    private Requested(Ready ready, long[] fed, boolean[] bits, byte[] message) {
      this.ready = ready;
      this.fed = fed;
      this.bits = bits;
      this.message = message;
    }

    /** The {@link LabelRequest} message, encoded. */
    public byte[] message() {
      return message;
    }

    /**
     * Opens the input labels, evaluates the garbled circuits once and reads the label tables.
     *
     * @throws ProtocolAbortException if the message is malformed or from another garbling
     */
    public Evaluated finish(InputLabels labels) {
      if (finished) {
        throw new IllegalStateException("this garbling was already evaluated; it is single use");
      }
      finished = true;
      Ready r = ready;
      var c = wires.circuit;
      int n = wires.n;
      int values = wires.values;
      int k = FieldLayerWires.K;
      long[] inLabels = null;
      long[] outLabels = null;
      try {
        FieldLayerMessages.expectSession(r.session, labels.session(), "field layer labels");
        FieldLayerMessages.expectLength(labels.garblerLabels(), 2 * k * values,
            "garbler labels");
        FieldLayerMessages.expectLength(labels.padded(),
            (r.chosen != null ? 2 : 4) * k * values, "padded labels");
        inLabels = new long[2 * (c.garblerInputs() + c.evaluatorInputs()) * n];
        long[] g = labels.garblerLabels();
        int o = 0;
        for (int j = 0; j < k; j++) {
          for (int v = 0; v < values; v++) {
            int b = wires.valueBlock(0, v, j);
            inLabels[2 * b] = g[o++];
            inLabels[2 * b + 1] = g[o++];
          }
        }
        int online = wires.spec.onlineGarblerInputs();
        int maskWires = c.garblerInputs() - online;
        o = 0;
        for (int j = 0; j < maskWires; j++) {
          for (int v = 0; v < n; v++) {
            int b = wires.block(online + j, v);
            inLabels[2 * b] = r.maskLabels[o++];
            inLabels[2 * b + 1] = r.maskLabels[o++];
          }
        }
        long[] y = labels.padded();
        if (r.chosen != null) {
          // (m_0 ^ c Delta) ^ (L_0 ^ m_0 ^ e Delta) = L_(c ^ e) = L_z
          for (int v = 0; v < values; v++) {
            for (int j = 0; j < k; j++) {
              int i = v * k + j;
              int b = wires.evaluatorBlock(v, j);
              inLabels[2 * b] = r.chosen[2 * i] ^ y[2 * i];
              inLabels[2 * b + 1] = r.chosen[2 * i + 1] ^ y[2 * i + 1];
            }
          }
        } else {
          long[] pad = new long[2];
          for (int v = 0; v < values; v++) {
            for (int j = 0; j < k; j++) {
              int i = v * k + j;
              int at = 4 * i;
              long m = bits[i] ? -1L : 0L; // y_x ^ m_c = W^x because x ^ e = c
              r.pads.message(i, pad, 0);
              int b = wires.evaluatorBlock(v, j);
              inLabels[2 * b] = ((y[at] & ~m) | (y[at + 2] & m)) ^ pad[0];
              inLabels[2 * b + 1] = ((y[at + 1] & ~m) | (y[at + 3] & m)) ^ pad[1];
            }
          }
        }
        outLabels = new long[2 * c.outputs() * n];
        HalfGates.evaluate(c, n, inLabels, 0, r.tables, outLabels);
        long[] in = wires.gatherInput(inLabels, outLabels);
        long[] outs = outLabels;
        long[][] tags = new long[3][];
        // the input table on one core, the output and share tables on the other (independent
        // hashes of disjoint tweaks; the result does not depend on the split)
        both(wires.values >= MIN_SPLIT, () -> {
          // the flag's weight is the owner's secret; evaluate uses weights only for their count
          tags[0] = r.inputTable.evaluate(in, FieldLayerWires.tableWires(
              FieldLayerWires.INPUT_WIRES), new long[FieldLayerWires.INPUT_WIRES],
              FieldLayerWires.INPUT_TWEAKS);
        }, () -> {
          if (r.outputTable != null) {
            long[] out = wires.gatherOutput(outs);
            int[] tw = FieldLayerWires.tableWires(wires.resultBits);
            long[] weights = wires.outputWeights();
            tags[1] = r.outputTable.evaluate(out, tw, weights, FieldLayerWires.OUTPUT_TWEAKS);
            if (r.shareTable != null) {
              // R' + y from the share table, plus the public offset -m - R': the share y - m
              tags[2] = PrimeField.add(r.shareTable.evaluate(out, tw, weights,
                  FieldLayerWires.SHARE_TWEAKS), r.shareOffsets, null);
            }
            FieldLayerMessages.erase(out);
          }
        });
        FieldLayerMessages.erase(in);
        long[] inTags = tags[0];
        long[] outTags = tags[1];
        long[] shares = tags[2];
        int[] decoded = wires.decodedBlocks();
        boolean[] lsb = new boolean[decoded.length];
        for (int t = 0; t < decoded.length; t++) {
          lsb[t] = (outLabels[2 * decoded[t]] & 1) != 0;
        }
        long[] seen = new long[values];
        for (int v = 0; v < values; v++) {
          // the table authenticates the 46 bits fed, read mod p
          seen[v] = PrimeField.reduce(fed[v] & ((1L << FieldLayerWires.K) - 1));
        }
        Evaluated e = new Evaluated(r.session, AuthenticatedVector.of(seen, inTags), lsb,
            outTags);
        if (shares != null) {
          e.lsb = null;
          e.shares = shares;
        }
        return e;
      } finally {
        FieldLayerMessages.erase(inLabels, outLabels, r.tables, r.maskLabels, r.chosen);
        r.chosen = null;
        r.tables = null;
        r.maskLabels = null;
        r.inputTable = null;
        r.outputTable = null;
        r.shareTable = null;
        r.pads.erase();
        r.pads = null;
        java.util.Arrays.fill(bits, false);
        bits = null;
      }
    }
  }

  /**
   * The evaluated layer. {@link #circuitInput()} is the value the circuit saw with the tag the
   * input table gave (its key is {@link FieldLayerGarbler.Online#inputKeys()}); register
   * {@code zero(circuitInput().sub(authenticated z_U))} with the MAC check. The output share is
   * available at once for a hidden layer, after {@link #decode(OutputDecoding)} for the last.
   */
  public final class Evaluated {
    private final byte[] session;
    private final AuthenticatedVector circuitInput;
    private boolean[] lsb;
    private final long[] outTags;
    private long[] shares;
    private int index = -1;

    private Evaluated(byte[] session, AuthenticatedVector circuitInput, boolean[] lsb,
        long[] outTags) {
      this.session = session;
      this.circuitInput = circuitInput;
      this.lsb = lsb;
      this.outTags = outTags;
    }

    /** The value the circuit saw as {@code z_U} (mod p), tagged by the input table. */
    public AuthenticatedVector circuitInput() {
      return circuitInput;
    }

    /**
     * U's output share {@code (result - m) mod p} with the output table's tags: for HIDDEN and
     * TRUNCATE from the share table at once, for LOGITS decoded after the release.
     *
     * @throws IllegalStateException before the decoding arrived, or for an argmax layer
     */
    public AuthenticatedVector outputShare() {
      if (shares == null) {
        throw new IllegalStateException(wires.label ? "an argmax layer has no output share"
            : "the owner has not released the output decoding yet");
      }
      return AuthenticatedVector.of(shares, outTags);
    }

    /**
     * The argmax index.
     *
     * @throws IllegalStateException before the decoding arrived, or for a per-neuron layer
     */
    public int label() {
      if (!wires.label || index < 0) {
        throw new IllegalStateException("no decoded argmax index");
      }
      return index;
    }

    /**
     * Decodes a last layer's output with the decoding the owner released after the MAC check.
     *
     * @throws ProtocolAbortException if the message is malformed or from another garbling
     */
    public Evaluated decode(OutputDecoding d) {
      if (!wires.spec.decodingWithheld()) {
        throw new IllegalStateException("a hidden layer is decoded with its garbling");
      }
      if (lsb == null) {
        throw new IllegalStateException("the output was already decoded");
      }
      FieldLayerMessages.expectSession(session, d.session(), "field layer output decoding");
      FieldLayerMessages.expectLength(d.decoding(), FieldLayerWires.words(lsb.length),
          "decoding");
      checkPadding(d.decoding(), lsb.length);
      decodeWith(d.decoding());
      return this;
    }

    private void decodeWith(long[] decoding) {
      if (lsb == null) {
        throw new IllegalStateException("the output was already decoded");
      }
      boolean[] bit = new boolean[lsb.length];
      for (int t = 0; t < lsb.length; t++) {
        bit[t] = lsb[t] ^ (((decoding[t >>> 6] >>> (t & 63)) & 1) != 0);
      }
      lsb = null;
      if (wires.label) {
        index = (int) dev.oml.mpc.circuit.Circuits.fromBits(bit, 0, bit.length);
        return;
      }
      int outputs = wires.outputs;
      long[] s = new long[outputs];
      for (int j = 0; j < FieldLayerWires.K; j++) {
        for (int v = 0; v < outputs; v++) {
          if (bit[j * outputs + v]) {
            s[v] |= 1L << j;
          }
        }
      }
      // a garbling by an honest owner always yields canonical shares; anything else aborts
      for (long x : s) {
        if (!PrimeField.isCanonical(x)) {
          throw new ProtocolAbortException("field layer: decoded share is not in F_p");
        }
      }
      shares = s;
    }

    /** Receives the released decoding over {@code channel} and decodes (last layer). */
    public Evaluated receiveDecoding(Channel channel) {
      return decode(OutputDecoding.decode(channel.receive()));
    }
  }

  /**
   * The driver: sends the OT start, takes the garbling, requests the labels for {@code z_U} and
   * evaluates. On failure the channel is closed and the exception rethrown.
   */
  public static Evaluated run(Channel channel, FieldLayerSpec spec, long[] zU,
      SecureRandom rng) {
    try {
      FieldLayerEvaluator e = start(spec, rng);
      channel.send(e.message());
      Requested q = e.receive(Garbling.decode(channel.receive())).request(zU);
      channel.send(q.message());
      return q.finish(InputLabels.decode(channel.receive()));
    } catch (RuntimeException ex) {
      channel.close();
      throw ex;
    }
  }
}
