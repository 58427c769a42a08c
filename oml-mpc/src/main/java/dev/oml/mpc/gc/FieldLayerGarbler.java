package dev.oml.mpc.gc;

import dev.oml.core.field.FieldCodec;
import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.LabelTable;
import dev.oml.mpc.auth.MacCheckVerifier;
import dev.oml.mpc.auth.MacKey;
import dev.oml.mpc.auth.MacKeyVector;
import dev.oml.mpc.auth.internal.FieldSampler;
import dev.oml.mpc.gc.FieldLayerMessages.Garbling;
import dev.oml.mpc.gc.FieldLayerMessages.InputLabels;
import dev.oml.mpc.gc.FieldLayerMessages.LabelRequest;
import dev.oml.mpc.gc.FieldLayerMessages.OtStart;
import dev.oml.mpc.gc.FieldLayerMessages.OutputDecoding;
import dev.oml.mpc.internal.HalfGates;
import dev.oml.mpc.internal.Prg;
import dev.oml.mpc.ot.KosDomain;
import dev.oml.mpc.ot.KosExtensionSender;
import dev.oml.mpc.ot.KosSender;
import dev.oml.mpc.ot.RandomOtSenderOutput;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * The owner's (garbler's) side of one tier-2 garbled layer over {@code F_p} (see
 * {@link FieldLayerSpec}), with the SIMC label tables that authenticate what the licensee fed in
 * and got out. Steps, each returning the object that has the next one:
 * {@link #garble} (offline: fresh {@code Delta} and labels, the circuits garbled, the tables
 * built, the masks' labels fixed) &rarr; {@link #answer(OtStart)} (the {@link Garbling} message)
 * &rarr; {@link Offline#respond(LabelRequest, long[])} with {@code z_O} (KOS15 check, the
 * {@link InputLabels}; every label and {@code Delta} erased) &rarr; {@link Online}: the keys the
 * owner registers with the batched MAC check and, for a last layer,
 * {@link Online#release(MacCheckVerifier)}, which hands out the output decoding only once that
 * verifier has accepted.
 *
 * <p>The zero-labels and {@code Delta} the label tables need never leave this class: the tables
 * are built here from them, and only the tables (one field element per wire) travel. The input
 * table covers {@code z_U}'s 46 wires and the circuit's non-canonical-input flag, weighted by a
 * random field element drawn here and never sent: an honest licensee's flag is 0 and adds
 * nothing, a licensee feeding {@code z_U + p} shifts its authenticated value by a weight it
 * cannot know, and the MAC check fails.
 *
 * <p>HIDDEN and TRUNCATE layers re-share outside the circuit: their circuits output the result
 * {@code y}, and besides the output table (tags {@code R + alpha y}) the owner sends a share
 * table over the same wires without {@code alpha} (U gets {@code R' + y}) and one public offset
 * {@code -m - R'} per value, so U's share is {@code y - m} and the owner's key of it
 * {@code R + alpha m}; no mask labels and no decoding travel for them. Each step runs once; a
 * repeated call throws
 * {@link IllegalStateException}. Semi-honest garbler, malicious licensee.
 *
 * <p>Within a bundle whose OT extension runs once ({@link KosExtensionSender}), the garbling
 * takes its random OTs from that extension ({@link #garble(FieldLayerSpec, MacKey, long[],
 * KosExtensionSender, KosDomain, SecureRandom)}): the {@link OtStart} then carries the whole
 * extension message for this layer, {@link #answer(OtStart)} checks it offline and sends with the
 * garbling one correction {@code m_0 ^ m_1 ^ Delta} per bit of {@code z_U} (the choice labels,
 * keeping {@code X = L_0 ^ m_0}), and online
 * the {@link LabelRequest} carries only the public flip bits {@code e = z ^ c} (its KOS field is
 * empty), answered with one block {@code X ^ e Delta} per bit.
 */
public final class FieldLayerGarbler {
  private static final MacKey ONE = new MacKey(1);
  private final FieldLayerWires wires;
  private final byte[] session;
  private long dlo;
  private long dhi;
  private long[] inputZeros;
  private long[] tables;
  private long[] maskLabels;
  private long[] decoding;
  private byte[] inputTable;
  private byte[] outputTable;
  private byte[] shareTable;
  private byte[] shareOffsets;
  private final MacKeyVector inputKeys;
  private final MacKeyVector outputKeys;
  private KosSender ot;
  private KosExtensionSender ext;
  private KosDomain domain;
  private RandomOtSenderOutput offlinePads;
  // within a bundle: the mask X of each evaluator bit, kept from the garbling to the response
  private long[] flipMasks;
  private boolean answered;

  private FieldLayerGarbler(FieldLayerSpec spec, MacKey alpha, long[] masks,
      KosExtensionSender ext, KosDomain domain, SecureRandom rng) {
    wires = new FieldLayerWires(spec);
    int n = wires.n;
    int values = wires.values;
    var c = wires.circuit;
    session = new byte[FieldLayerMessages.SESSION_BYTES];
    rng.nextBytes(session);
    Prg prg = Prg.fromRandom(rng);
    long[] d = new long[2];
    prg.fill(d, 0, 2);
    dlo = d[0] | 1;
    dhi = d[1];
    int inputs = c.garblerInputs() + c.evaluatorInputs();
    inputZeros = new long[2 * inputs * n];
    prg.fill(inputZeros, 0, inputZeros.length);
    tables = new long[4 * c.andGates() * n];
    long[] outputZeros = new long[2 * c.outputs() * n];
    HalfGates.garble(c, n, dlo, dhi, inputZeros, 0, tables, outputZeros);

    int[] decoded = wires.decodedBlocks();
    decoding = new long[FieldLayerWires.words(decoded.length)];
    for (int t = 0; t < decoded.length; t++) {
      decoding[t >>> 6] |= (outputZeros[2 * decoded[t]] & 1) << (t & 63);
    }
    int online = wires.spec.onlineGarblerInputs();
    int maskWires = c.garblerInputs() - online;
    maskLabels = new long[2 * maskWires * n];
    int o = 0;
    for (int j = 0; j < maskWires; j++) {
      for (int v = 0; v < n; v++) {
        o = putActive(maskLabels, o, wires.block(online + j, v), ((masks[v] >>> j) & 1) != 0);
      }
    }
    long flagWeight = nonZero(FieldSampler.fromRandom(rng));
    long[] in = wires.gatherInput(inputZeros, outputZeros);
    LabelTable.Garbled inT = LabelTable.garble(in, FieldLayerWires.tableWires(
        FieldLayerWires.INPUT_WIRES), FieldLayerWires.inputWeights(flagWeight), values, dlo, dhi,
        alpha, FieldLayerWires.INPUT_TWEAKS);
    inputTable = inT.table().toMessage();
    inputKeys = inT.keys();
    shareTable = new byte[0];
    shareOffsets = new byte[0];
    if (wires.label) {
      outputTable = new byte[0];
      outputKeys = null;
    } else {
      long[] out = wires.gatherOutput(outputZeros);
      int[] tw = FieldLayerWires.tableWires(wires.resultBits);
      long[] weights = wires.outputWeights();
      LabelTable.Garbled outT = LabelTable.garble(out, tw, weights, wires.outputs, dlo, dhi,
          alpha, FieldLayerWires.OUTPUT_TWEAKS);
      outputTable = outT.table().toMessage();
      if (wires.spec.sharedOutput()) {
        // The same wires under weight 2^j without alpha: U gets R' + y, the owner holds R'.
        // The public offset -m - R' turns it into U's share y - m; its tag from the output
        // table is R + alpha y = (R + alpha m) + alpha (y - m), so the owner's key is R + alpha m.
        LabelTable.Garbled shareT = LabelTable.garble(out, tw, weights, wires.outputs, dlo, dhi,
            ONE, FieldLayerWires.SHARE_TWEAKS);
        shareTable = shareT.table().toMessage();
        long[] offsets = shareT.keys().keys();
        for (int v = 0; v < offsets.length; v++) {
          offsets[v] = PrimeField.neg(PrimeField.add(offsets[v], masks[v]));
        }
        shareOffsets = FieldCodec.pack(offsets, offsets.length);
        outputKeys = MacKeyVector.of(PrimeField.addScaled(outT.keys().keys(), alpha.alpha(),
            masks, null));
        FieldLayerMessages.erase(offsets);
      } else {
        outputKeys = outT.keys();
      }
      FieldLayerMessages.erase(out);
    }
    FieldLayerMessages.erase(in, outputZeros);
    if (ext == null) {
      ot = new KosSender(c.evaluatorInputs() * n, rng);
    } else {
      this.ext = ext;
      this.domain = domain;
    }
  }

  private static long nonZero(FieldSampler s) {
    long w;
    do {
      w = s.next();
    } while (w == 0);
    return w;
  }

  private int putActive(long[] out, int o, int block, boolean bit) {
    long m = bit ? -1L : 0L;
    out[o] = inputZeros[2 * block] ^ (dlo & m);
    out[o + 1] = inputZeros[2 * block + 1] ^ (dhi & m);
    return o + 2;
  }

  /**
   * Offline: garbles the layer under {@code alpha}. {@code masks} are the owner's re-share masks
   * {@code m} (one canonical element per neuron; it keeps them as its shares), or null for an
   * argmax layer.
   *
   * @throws IllegalArgumentException if the masks do not fit the spec
   * @throws dev.oml.core.field.FieldElementException if a mask is not in {@code F_p}
   */
  public static FieldLayerGarbler garble(FieldLayerSpec spec, MacKey alpha, long[] masks,
      SecureRandom rng) {
    return new FieldLayerGarbler(spec, alpha, checkedMasks(spec, masks), null, null, rng);
  }

  private static long[] checkedMasks(FieldLayerSpec spec, long[] masks) {
    if (spec.kind() == FieldLayerSpec.Kind.LABEL) {
      if (masks != null && masks.length != 0) {
        throw new IllegalArgumentException("an argmax layer has no masks");
      }
      return new long[1];
    }
    FieldLayerWires.requireCanonical(masks, spec.neurons(), "masks");
    return masks;
  }

  /**
   * Offline, within a bundle: garbles like {@link #garble(FieldLayerSpec, MacKey, long[],
   * SecureRandom)}, with the random OTs drawn from the bundle's extension {@code ext} for
   * {@code domain} when {@link #answer(OtStart)} takes the licensee's extension message.
   *
   * @throws IllegalArgumentException if the masks do not fit the spec
   * @throws dev.oml.core.field.FieldElementException if a mask is not in {@code F_p}
   */
  public static FieldLayerGarbler garble(FieldLayerSpec spec, MacKey alpha, long[] masks,
      KosExtensionSender ext, KosDomain domain, SecureRandom rng) {
    Objects.requireNonNull(ext, "ext");
    Objects.requireNonNull(domain, "domain");
    return new FieldLayerGarbler(spec, alpha, checkedMasks(spec, masks), ext, domain, rng);
  }

  /**
   * Answers the licensee's OT start with the garbling: tables, the masks' labels (LOGITS), the
   * label tables, and for HIDDEN and TRUNCATE the share table and its offsets.
   *
   * @throws ProtocolAbortException if the OT message is malformed
   */
  public Offline answer(OtStart first) {
    if (answered) {
      throw new IllegalStateException("this garbling was already handed out");
    }
    answered = true;
    try {
      byte[] kos;
      long[] choiceLabels = new long[0];
      if (ext != null) {
        // the bundle's extension: checked now, offline; a failure ends the whole extension
        offlinePads = ext.extend(wires.circuit.evaluatorInputs() * wires.n, domain, first.kos());
        ext = null;
        kos = new byte[0];
        choiceLabels = choiceLabels();
      } else {
        kos = ot.secondMessage(first.kos());
      }
      long[] dec = wires.spec.decodingWithheld() ? new long[0] : decoding;
      Garbling g = new Garbling(session.clone(), wires.circuit.fingerprint(), kos, tables,
          maskLabels, inputTable, outputTable, shareTable, shareOffsets, dec, choiceLabels);
      byte[] message = g.encode();
      FieldLayerMessages.erase(tables, maskLabels, choiceLabels);
      tables = null;
      maskLabels = null;
      inputTable = null;
      outputTable = null;
      shareTable = null;
      shareOffsets = null;
      return new Offline(message);
    } catch (RuntimeException e) {
      erase();
      throw e;
    }
  }

  /**
   * Offline, within a bundle: turns each random OT {@code (m_0, m_1)} of a {@code z_U} bit into
   * a correlated one with this garbling's {@code Delta}: the correction
   * {@code u = m_0 ^ m_1 ^ Delta} goes with the garbling, so the licensee, holding {@code m_c}
   * for its random choice {@code c}, gets {@code m_0 ^ c Delta} ({@code m_c}, or {@code m_1 ^ u})
   * and nothing about {@code m_0 ^ (1 - c) Delta}. The owner keeps {@code X = L_0 ^ m_0}; online
   * the licensee sends {@code e = z ^ c} and gets {@code X ^ e Delta}, whose XOR with what it
   * holds is {@code L_0 ^ (c ^ e) Delta = L_z}. The pads are erased here.
   */
  private long[] choiceLabels() {
    int values = wires.values;
    int k = FieldLayerWires.K;
    int count = values * k;
    flipMasks = new long[2 * count];
    long[] out = new long[2 * count];
    long[] m0 = new long[2];
    long[] m1 = new long[2];
    for (int v = 0; v < values; v++) {
      for (int j = 0; j < k; j++) {
        int i = v * k + j;
        int b = wires.evaluatorBlock(v, j);
        offlinePads.message(i, 0, m0, 0);
        offlinePads.message(i, 1, m1, 0);
        out[2 * i] = m0[0] ^ m1[0] ^ dlo;
        out[2 * i + 1] = m0[1] ^ m1[1] ^ dhi;
        flipMasks[2 * i] = inputZeros[2 * b] ^ m0[0];
        flipMasks[2 * i + 1] = inputZeros[2 * b + 1] ^ m0[1];
      }
    }
    FieldLayerMessages.erase(m0, m1);
    offlinePads.erase();
    offlinePads = null;
    return out;
  }

  private void erase() {
    dlo = 0;
    dhi = 0;
    FieldLayerMessages.erase(inputZeros, tables, maskLabels, flipMasks);
    flipMasks = null;
    inputZeros = null;
    tables = null;
    maskLabels = null;
    ot = null;
    ext = null;
    if (offlinePads != null) {
      offlinePads.erase();
      offlinePads = null;
    }
  }

  /** After the garbling went out: waits for the licensee's label request. */
  public final class Offline {
    private final byte[] message;
    private boolean responded;

    private Offline(byte[] message) {
      this.message = message;
    }

    /** The {@link Garbling} message, encoded. */
    public byte[] message() {
      return message;
    }

    /** Bytes of the garbling message. */
    public int bytes() {
      return message.length;
    }

    /**
     * Online: checks the licensee's OT (KOS15), then sends the labels of {@code z_O} (one
     * canonical element per value) and, for each bit of {@code z_U}, both labels under the
     * random-OT pads. Erases every label and {@code Delta}.
     *
     * @throws ProtocolAbortException if the request is malformed, from another garbling, or
     *     fails the OT check
     */
    public Online respond(LabelRequest request, long[] zO) {
      if (responded) {
        throw new IllegalStateException("this garbling already answered a label request");
      }
      FieldLayerWires.requireCanonical(zO, wires.values, "z_O");
      responded = true;
      try {
        FieldLayerMessages.expectSession(session, request.session(), "field layer request");
        int count = wires.circuit.evaluatorInputs() * wires.n;
        long[] flips = request.flips();
        FieldLayerMessages.expectLength(flips, FieldLayerWires.words(count), "flips");
        if (count % 64 != 0 && (flips[flips.length - 1] >>> (count % 64)) != 0) {
          throw new ProtocolAbortException("field layer request: padding bits are set");
        }
        RandomOtSenderOutput pads = null;
        if (flipMasks != null) {
          if (request.kos().length != 0) {
            throw new ProtocolAbortException("field layer request: the OTs were checked offline;"
                + " the request carries no KOS message");
          }
        } else {
          pads = ot.finish(request.kos());
        }
        ot = null;
        int values = wires.values;
        int k = FieldLayerWires.K;
        long[] garblerLabels = new long[2 * k * values];
        int o = 0;
        for (int j = 0; j < k; j++) {
          for (int v = 0; v < values; v++) {
            o = putActive(garblerLabels, o, wires.valueBlock(0, v, j), ((zO[v] >>> j) & 1) != 0);
          }
        }
        long[] padded;
        if (pads == null) {
          // within a bundle: X ^ e Delta per bit (the licensee holds m_0 ^ c Delta, X = L_0 ^ m_0,
          // and c ^ e = z)
          padded = new long[2 * count];
          for (int i = 0; i < count; i++) {
            long m = -((flips[i >>> 6] >>> (i & 63)) & 1);
            padded[2 * i] = flipMasks[2 * i] ^ (dlo & m);
            padded[2 * i + 1] = flipMasks[2 * i + 1] ^ (dhi & m);
          }
        } else {
          padded = new long[4 * count];
          long[] pad = new long[2];
          o = 0;
          for (int v = 0; v < values; v++) {
            for (int j = 0; j < k; j++) {
              int i = v * k + j;
              int b = wires.evaluatorBlock(v, j);
              long z0 = inputZeros[2 * b];
              long z1 = inputZeros[2 * b + 1];
              int flip = (int) (flips[i >>> 6] >>> (i & 63)) & 1;
              pads.message(i, flip, pad, 0);
              padded[o++] = z0 ^ pad[0];
              padded[o++] = z1 ^ pad[1];
              pads.message(i, flip ^ 1, pad, 0);
              padded[o++] = z0 ^ dlo ^ pad[0];
              padded[o++] = z1 ^ dhi ^ pad[1];
            }
          }
          pads.erase();
        }
        byte[] msg = new InputLabels(session.clone(), garblerLabels, padded).encode();
        FieldLayerMessages.erase(garblerLabels, padded);
        return new Online(msg);
      } finally {
        erase();
      }
    }
  }

  /**
   * After the labels went out: the keys for the batched MAC check, and the withheld decoding.
   */
  public final class Online {
    private final byte[] message;
    private boolean released;

    private Online(byte[] message) {
      this.message = message;
    }

    /** The {@link InputLabels} message, encoded. */
    public byte[] message() {
      return message;
    }

    /**
     * The owner's keys for the value the circuit saw as {@code z_U}: register
     * {@code expectZero(inputKeys().sub(keys of the authenticated z_U))}.
     */
    public MacKeyVector inputKeys() {
      return inputKeys;
    }

    /**
     * The owner's keys of U's output share (register {@code expectOpen} or {@code expectKnown}
     * as the protocol uses the share).
     *
     * @throws IllegalStateException for an argmax layer, which has no output share
     */
    public MacKeyVector outputKeys() {
      if (outputKeys == null) {
        throw new IllegalStateException("an argmax layer has no output share");
      }
      return outputKeys;
    }

    /**
     * The last layer's output decoding, handed out only once {@code verifier}, the query's
     * batched MAC check, has accepted (everything the licensee fed in is then authenticated).
     *
     * @throws IllegalStateException if the check has not accepted, the layer is a hidden one
     *     (its decoding went with the garbling), or the decoding was already released
     */
    public OutputDecoding release(MacCheckVerifier verifier) {
      if (!wires.spec.decodingWithheld()) {
        throw new IllegalStateException("a hidden layer's decoding went with its garbling");
      }
      if (!verifier.accepted()) {
        throw new IllegalStateException("the output decoding is released only after the MAC"
            + " check accepted");
      }
      if (released) {
        throw new IllegalStateException("the output decoding was already released");
      }
      released = true;
      OutputDecoding d = new OutputDecoding(session.clone(), decoding.clone());
      FieldLayerMessages.erase(decoding);
      return d;
    }

    /** Sends the decoding over {@code channel} after the check (see {@link #release}). */
    public void release(Channel channel, MacCheckVerifier verifier) {
      channel.send(release(verifier).encode());
    }
  }

  /**
   * The driver up to the MAC check: receives the OT start, sends the garbling, receives the
   * request and sends the labels. On failure the channel is closed and the exception rethrown.
   */
  public static Online run(Channel channel, FieldLayerSpec spec, MacKey alpha, long[] masks,
      long[] zO, SecureRandom rng) {
    try {
      FieldLayerGarbler g = garble(spec, alpha, masks, rng);
      Offline off = g.answer(OtStart.decode(channel.receive()));
      channel.send(off.message());
      Online on = off.respond(LabelRequest.decode(channel.receive()), zO);
      channel.send(on.message());
      return on;
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }
}
