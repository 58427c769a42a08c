package dev.oml.mpc.gc;

import dev.oml.core.transport.ProtocolAbortException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The typed messages of one tier-2 garbled layer ({@link FieldLayerGarbler},
 * {@link FieldLayerEvaluator}), in flight order: {@link OtStart} (U to O), {@link Garbling}
 * (O to U: garbled tables, the masks' labels, the label tables, and for hidden layers the output
 * decoding), {@link LabelRequest} (U to O: OT completion and derandomization of {@code z_U}),
 * {@link InputLabels} (O to U: labels of {@code z_O}, both labels of every {@code z_U} bit under
 * the random-OT pads), and for the last layer {@link OutputDecoding}, sent only after the MAC
 * check accepted. Every message after the first names the garbling's random session id, so a
 * message of one garbling is refused by the session of another.
 *
 * <p>Encoding: a one-byte tag, then length-prefixed fields (4-byte big-endian length). Decoding
 * checks tag and structure; the sizes that depend on the layer are checked by the step that
 * consumes the message. Every malformed message throws {@link ProtocolAbortException}.
 */
public final class FieldLayerMessages {
  static final int SESSION_BYTES = 16;
  private static final int TAG_OT_START = 0x61;
  private static final int TAG_GARBLING = 0x62;
  private static final int TAG_REQUEST = 0x63;
  private static final int TAG_LABELS = 0x64;
  private static final int TAG_DECODING = 0x65;

  private FieldLayerMessages() {}

  /**
   * U to O: the first KOS15 message, or, within a bundle, the layer's whole extension message of
   * the bundle's OT extension.
   */
  public record OtStart(byte[] kos) {
    /** The wire form. */
    public byte[] encode() {
      return pack(TAG_OT_START, kos);
    }

    /** Parses the wire form. */
    public static OtStart decode(byte[] m) {
      return new OtStart(unpack(m, TAG_OT_START, 1, "field layer OT start")[0]);
    }
  }

  /**
   * O to U: the garbling. {@code decoding} is empty when the layer withholds it or decodes
   * nothing (HIDDEN, TRUNCATE); {@code outputTable} is empty for an argmax layer;
   * {@code shareTable} (a label table with weights {@code 2^j} and no {@code alpha}) and
   * {@code shareOffsets} (one packed field element per output value) are present for HIDDEN and
   * TRUNCATE only, whose circuits output the result and leave the re-share to them; {@code kos}
   * (KOS15 message 2) is empty within a bundle. {@code choiceLabels} (within a bundle only,
   * else empty): for each bit of {@code z_U} the correction {@code m_0 ^ m_1 ^ Delta} of its
   * random OT (one block), so the licensee's pad becomes {@code m_0 ^ c Delta} for its random
   * choice {@code c}.
   */
  public record Garbling(byte[] session, byte[] fingerprint, byte[] kos, long[] tables,
      long[] maskLabels, byte[] inputTable, byte[] outputTable, byte[] shareTable,
      byte[] shareOffsets, long[] decoding, long[] choiceLabels) {
    /** A garbling without choice labels (a layer with its own OTs). */
    public Garbling(byte[] session, byte[] fingerprint, byte[] kos, long[] tables,
        long[] maskLabels, byte[] inputTable, byte[] outputTable, byte[] shareTable,
        byte[] shareOffsets, long[] decoding) {
      this(session, fingerprint, kos, tables, maskLabels, inputTable, outputTable, shareTable,
          shareOffsets, decoding, new long[0]);
    }

    /** The wire form. */
    public byte[] encode() {
      return pack(TAG_GARBLING, session, fingerprint, kos, bytes(tables), bytes(maskLabels),
          inputTable, outputTable, shareTable, shareOffsets, bytes(decoding),
          bytes(choiceLabels));
    }

    /** Parses the wire form. */
    public static Garbling decode(byte[] m) {
      byte[][] f = unpack(m, TAG_GARBLING, 11, "field layer garbling");
      return new Garbling(f[0], f[1], f[2], longs(f[3], "tables"), longs(f[4], "mask labels"),
          f[5], f[6], f[7], f[8], longs(f[9], "decoding"), longs(f[10], "choice labels"));
    }
  }

  /**
   * U to O: the third KOS15 message (empty within a bundle, whose OTs were checked offline) and
   * {@code e = x ^ c} per OT.
   */
  public record LabelRequest(byte[] session, byte[] kos, long[] flips) {
    /** The wire form. */
    public byte[] encode() {
      return pack(TAG_REQUEST, session, kos, bytes(flips));
    }

    /** Parses the wire form. */
    public static LabelRequest decode(byte[] m) {
      byte[][] f = unpack(m, TAG_REQUEST, 3, "field layer label request");
      return new LabelRequest(f[0], f[1], longs(f[2], "flips"));
    }
  }

  /**
   * O to U: active labels of {@code z_O}, and for each {@code z_U} bit either (within a bundle)
   * one block {@code X ^ e Delta} with {@code X = L_0 ^ m_0}, which turns the licensee's
   * {@code m_0 ^ c Delta} into the label of {@code c ^ e = z}, or (a layer with its own OTs)
   * both labels under the random-OT pads.
   */
  public record InputLabels(byte[] session, long[] garblerLabels, long[] padded) {
    /** The wire form. */
    public byte[] encode() {
      return pack(TAG_LABELS, session, bytes(garblerLabels), bytes(padded));
    }

    /** Parses the wire form. */
    public static InputLabels decode(byte[] m) {
      byte[][] f = unpack(m, TAG_LABELS, 3, "field layer input labels");
      return new InputLabels(f[0], longs(f[1], "garbler labels"), longs(f[2], "padded labels"));
    }
  }

  /** O to U, last layer only, after the MAC check accepted: the output decoding bits. */
  public record OutputDecoding(byte[] session, long[] decoding) {
    /** The wire form. */
    public byte[] encode() {
      return pack(TAG_DECODING, session, bytes(decoding));
    }

    /** Parses the wire form. */
    public static OutputDecoding decode(byte[] m) {
      byte[][] f = unpack(m, TAG_DECODING, 2, "field layer output decoding");
      return new OutputDecoding(f[0], longs(f[1], "decoding"));
    }
  }

  static byte[] pack(int tag, byte[]... fields) {
    int n = 1;
    for (byte[] f : fields) {
      n += 4 + f.length;
    }
    ByteBuffer b = ByteBuffer.allocate(n).put((byte) tag);
    for (byte[] f : fields) {
      b.putInt(f.length).put(f);
    }
    return b.array();
  }

  static byte[][] unpack(byte[] m, int tag, int count, String step) {
    if (m == null || m.length == 0 || m[0] != (byte) tag) {
      throw new ProtocolAbortException(step + ": empty message or unexpected message type;"
          + " messages are out of order or from another protocol");
    }
    ByteBuffer b = ByteBuffer.wrap(m, 1, m.length - 1);
    byte[][] out = new byte[count][];
    for (int i = 0; i < count; i++) {
      if (b.remaining() < 4) {
        throw new ProtocolAbortException(step + ": message is truncated");
      }
      int len = b.getInt();
      if (len < 0 || len > b.remaining()) {
        throw new ProtocolAbortException(step + ": field " + i + " has a bad length");
      }
      out[i] = new byte[len];
      b.get(out[i]);
    }
    if (b.hasRemaining()) {
      throw new ProtocolAbortException(step + ": " + b.remaining() + " trailing bytes");
    }
    return out;
  }

  static byte[] bytes(long[] v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length);
    for (long x : v) {
      b.putLong(x);
    }
    return b.array();
  }

  static long[] longs(byte[] b, String what) {
    if (b.length % 8 != 0) {
      throw new ProtocolAbortException("field layer: " + what + " is not a whole number of words");
    }
    long[] v = new long[b.length / 8];
    ByteBuffer.wrap(b).asLongBuffer().get(v);
    return v;
  }

  static void expectLength(long[] v, int words, String what) {
    if (v.length != words) {
      throw new ProtocolAbortException("field layer: " + what + " has " + v.length
          + " words, expected " + words);
    }
  }

  static void expectSession(byte[] expected, byte[] got, String step) {
    if (!java.security.MessageDigest.isEqual(expected, got)) {
      throw new ProtocolAbortException(step + ": the message belongs to another garbling;"
          + " garbled material is single use and bound to its session");
    }
  }

  static void erase(long[]... arrays) {
    for (long[] a : arrays) {
      if (a != null) {
        Arrays.fill(a, 0);
      }
    }
  }
}
