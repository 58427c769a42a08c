package dev.oml.mpc.auth;

import dev.oml.core.field.FieldCodec;
import dev.oml.core.field.FieldElementException;
import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.MessageWriter;
import dev.oml.mpc.ot.KosDomain;
import dev.oml.mpc.ot.KosExtensionReceiver;
import dev.oml.mpc.ot.KosReceiver;
import dev.oml.mpc.ot.RandomOtReceiverOutput;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * The licensee's side of a VOLE over {@link PrimeField} with {@code Delta = alpha}: the licensee
 * chooses values {@code x_i} and ends with tags {@code M_i = K_i + alpha x_i}, an
 * {@link AuthenticatedVector}; the owner ({@link VoleSender}) ends with the keys {@code K_i} and
 * learns nothing about {@code x}. This is how the licensee's masks {@code r} become
 * authenticated in tier 2.
 *
 * <p>Construction (Gilboa): one correlated OT per bit. For bit {@code j} of {@code x_i} the
 * parties take one KOS15 random OT; the licensee sends {@code e = x_ij ^ c} (its random choice
 * {@code c}), which turns the OT into one with choice {@code x_ij} and pads
 * {@code pad_b = m_(b ^ e)}. The owner's share is {@code s = H(pad_0)}, and it sends the correction
 * {@code tau = H(pad_0) + alpha 2^j - H(pad_1)}; the licensee, holding {@code pad_(x_ij)}, gets
 * {@code s + x_ij alpha 2^j}. Summing over the 46 bits gives {@code K_i = sum_j s_ij} and
 * {@code M_i = K_i + alpha x_i}. {@code H} maps 128 bits to {@code F_p} by reduction (bias below
 * {@code 2^-82}); the KOS outputs it is applied to are already hashed with their index.
 *
 * <p>Messages: (1) licensee: KOS message 1; (2) owner: KOS message 2; (3) licensee: KOS
 * message 3 and the bits {@code e}; (4) owner: the corrections. Each step is a local function of
 * the incoming message; {@link #run} is the thin driver over a {@link Channel}.
 *
 * <p>Within a bundle whose OT extension is set up once ({@link KosExtensionReceiver}), the
 * VOLE is one round trip: {@link #extending} makes message 3 at once (the extension's message
 * for this VOLE's {@link KosDomain} and the bits {@code e}), and {@link #finish} takes message 4.
 */
public final class VoleReceiver {
  static final int TAG_THIRD = 0x31;
  private final long[] x;
  private final int bitsTotal;
  private KosReceiver kos;
  private RandomOtReceiverOutput ots;
  private AuthenticatedVector result;
  private byte[] third;

  /**
   * Prepares to authenticate {@code values} (copied).
   *
   * @throws FieldElementException if a value is not canonical
   * @throws IllegalArgumentException if there are no values or more than one KOS batch holds
   */
  public VoleReceiver(long[] values, SecureRandom rng) {
    this(values, Objects.requireNonNull(rng, "rng"), true);
  }

  private VoleReceiver(long[] values, SecureRandom rng, boolean ownOts) {
    PrimeField.requireCanonical(values, "VOLE inputs");
    if (values.length < 1 || values.length > VoleSender.MAX_VALUES) {
      throw new IllegalArgumentException("a VOLE batch holds 1 to " + VoleSender.MAX_VALUES
          + " values; split larger vectors");
    }
    this.x = values.clone();
    this.bitsTotal = values.length * PrimeField.BITS;
    this.kos = ownOts ? new KosReceiver(bitsTotal, rng) : null;
  }

  /**
   * Prepares to authenticate {@code values} (copied) with random OTs from the bundle's
   * extension {@code ext}, drawn now for {@code domain}; message 3 is then ready in
   * {@link #extendedMessage()}.
   *
   * @throws FieldElementException if a value is not canonical
   * @throws IllegalArgumentException if there are no values or more than one KOS batch holds
   */
  public static VoleReceiver extending(long[] values, KosExtensionReceiver ext,
      KosDomain domain) {
    VoleReceiver v = new VoleReceiver(values, null, false);
    KosExtensionReceiver.Extension x = ext.extend(v.bitsTotal, domain);
    v.ots = x.output();
    v.third = v.withBits(x.message());
    return v;
  }

  /** Message 3 of a VOLE made by {@link #extending}: licensee to owner. */
  public byte[] extendedMessage() {
    if (third == null) {
      throw new IllegalStateException("only a VOLE made by extending has its message 3 ready");
    }
    return third.clone();
  }

  /** Message 1, licensee to owner. */
  public byte[] firstMessage() {
    if (kos == null || ots != null) {
      throw new IllegalStateException("firstMessage belongs to a fresh receiver");
    }
    return kos.firstMessage();
  }

  /**
   * Consumes message 2 and returns message 3: KOS message 3 and the derandomization bits.
   *
   * @throws ProtocolAbortException if message 2 is malformed
   */
  public byte[] thirdMessage(byte[] second) {
    if (kos == null) {
      throw new IllegalStateException("thirdMessage was already called");
    }
    byte[] kos3 = kos.thirdMessage(second);
    ots = kos.output();
    kos = null;
    return withBits(kos3);
  }

  private byte[] withBits(byte[] kos3) {
    long[] e = new long[(bitsTotal + 63) / 64];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < PrimeField.BITS; j++) {
        int t = i * PrimeField.BITS + j;
        long bit = ((x[i] >>> j) & 1) ^ ots.choice(t);
        e[t >>> 6] |= bit << (t & 63);
      }
    }
    return new MessageWriter(TAG_THIRD, 4 + kos3.length + 8 * e.length)
        .putBytes(java.nio.ByteBuffer.allocate(4).putInt(kos3.length).array())
        .putBytes(kos3).putLongs(e, 0, e.length).toByteArray();
  }

  /**
   * Consumes message 4 and returns the authenticated values.
   *
   * @throws ProtocolAbortException if message 4 is malformed or a correction is not in
   *     {@code F_p}
   */
  public AuthenticatedVector finish(byte[] fourth) {
    if (ots == null || result != null) {
      throw new IllegalStateException("call thirdMessage once, then finish once");
    }
    MessageReader r = new MessageReader(fourth, VoleSender.TAG_FOURTH,
        FieldCodec.bytes(bitsTotal), "VOLE message 4");
    long[] tau = FieldCodec.unpack(r.getBytes(FieldCodec.bytes(bitsTotal)),
        new long[bitsTotal], "VOLE message 4");
    long[] tags = new long[x.length];
    long[] m = new long[2];
    for (int i = 0; i < x.length; i++) {
      // M_i = sum_j (H(pad_x) + x_ij tau): the 128-bit pads summed exactly (three words), the
      // selected corrections (each below 2^46, at most 46 of them) in one long, one reduction
      long sumLo = 0;
      long sumHi = 0;
      long sumTop = 0;
      long tauSum = 0;
      for (int j = 0; j < PrimeField.BITS; j++) {
        int t = i * PrimeField.BITS + j;
        ots.message(t, m, 0);
        tauSum += tau[t] & -((x[i] >>> j) & 1);
        long lo = sumLo + m[0];
        long c0 = VoleSender.carry(sumLo, m[0], lo);
        long mid = sumHi + m[1];
        long hi = mid + c0;
        sumTop += VoleSender.carry(sumHi, m[1], mid) + VoleSender.carry(mid, c0, hi);
        sumLo = lo;
        sumHi = hi;
      }
      tags[i] = PrimeField.add(VoleSender.reduce192(sumTop, sumHi, sumLo),
          PrimeField.reduce128(tauSum, 0));
    }
    ots.erase();
    Arrays.fill(m, 0);
    result = AuthenticatedVector.wrap(x.clone(), tags);
    Arrays.fill(x, 0);
    return result;
  }

  /**
   * Runs the licensee's side over {@code channel}. On any failure the channel is closed and the
   * exception rethrown.
   */
  public static AuthenticatedVector run(Channel channel, long[] values, SecureRandom rng) {
    try {
      VoleReceiver v = new VoleReceiver(values, rng);
      channel.send(v.firstMessage());
      channel.send(v.thirdMessage(channel.receive()));
      return v.finish(channel.receive());
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Runs the licensee's side of a bundle's VOLE (see {@link #extending}) over {@code channel}.
   * On any failure the channel is closed and the exception rethrown.
   */
  public static AuthenticatedVector run(Channel channel, long[] values, KosExtensionReceiver ext,
      KosDomain domain) {
    try {
      VoleReceiver v = extending(values, ext, domain);
      channel.send(v.extendedMessage());
      return v.finish(channel.receive());
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }
}
