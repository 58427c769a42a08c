package dev.oml.mpc.ot;

import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.internal.Blocks;
import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.MessageWriter;
import dev.oml.mpc.internal.Prg;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Receiver of KOS15 random OT extension (Keller, Orsini, Scholl, CRYPTO 2015): ends up with
 * {@code count} uniformly random choice bits {@code c_i} and the messages {@code m_(c_i)}, while
 * the {@link KosSender} holds both {@code m_0, m_1} and learns nothing about the choices. Random
 * OTs are made offline and derandomized online (Beaver): to receive {@code x_i}'s message, send
 * {@code e_i = x_i ^ c_i}; the sender answers {@code y_b = M_b ^ m_(b ^ e_i)}.
 *
 * <p>Steps, each a local function of the incoming message: {@link #firstMessage()} (this side
 * speaks first and acts as the sender of 128 fresh Naor-Pinkas base OTs, so base OTs are never
 * shared between sessions), {@link #thirdMessage(byte[])} (the IKNP matrix {@code u} with the
 * KOS consistency values), then {@link #output()}. The challenge for the check is derived from
 * a seed the sender fixed before seeing {@code u} and from {@code u} itself. One instance runs
 * one extension.
 */
public final class KosReceiver {
  static final int TAG_THIRD = 0x13;
  private final int count;
  private final int words;
  private final SecureRandom rng;
  private BaseOtSender base;
  private RandomOtReceiverOutput output;
  // Test hook for the malicious-receiver test: columns whose choice vector is flipped at OT 0
  // while the check values are still computed from the honest matrix. Never set in production.
  boolean[] deviateInColumns;

  /**
   * Prepares {@code count} random OTs.
   *
   * @throws IllegalArgumentException if {@code count < 1} or too large for one batch
   */
  public KosReceiver(int count, SecureRandom rng) {
    if (count < 1 || count > KosCheck.MAX_COUNT) {
      throw new IllegalArgumentException("count must be in [1, 2^24]; split larger batches");
    }
    this.count = count;
    this.words = KosCheck.words(count);
    this.rng = rng;
    this.base = new BaseOtSender(KosCheck.KAPPA, rng);
  }

  /** Message 1, receiver to sender: the base-OT sender's points. */
  public byte[] firstMessage() {
    return base.firstMessage();
  }

  /** Payload bytes of message 3 for {@code count} OTs: {@code u} plus two field elements. */
  static int thirdPayload(int words) {
    return KosCheck.KAPPA * words * 8 + 32;
  }

  /**
   * Consumes message 2 and returns message 3, receiver to sender. Afterwards {@link #output()}
   * holds this side's random OTs.
   *
   * @throws ProtocolAbortException if message 2 is malformed or out of order
   */
  public byte[] thirdMessage(byte[] second) {
    if (base == null) {
      throw new IllegalStateException("thirdMessage was already called");
    }
    MessageReader r = new MessageReader(second, KosSender.TAG_SECOND,
        BaseOtSender.answerBytes(KosCheck.KAPPA) + 16, "KOS message 2");
    byte[][] seeds = base.finish(r);
    byte[] senderSeed = r.getBytes(16);
    base = null;

    long[] choice = new long[words];
    Prg.fromRandom(rng).fill(choice, 0, words);
    long[][] t = new long[KosCheck.KAPPA][];
    MessageWriter out = new MessageWriter(TAG_THIRD, thirdPayload(words));
    long[] u = new long[words];
    for (int j = 0; j < KosCheck.KAPPA; j++) {
      t[j] = KosCheck.expand(seeds[2 * j], words);
      new Prg(seeds[2 * j + 1]).fill(u, 0, words);
      for (int w = 0; w < words; w++) {
        u[w] ^= t[j][w] ^ choice[w];
      }
      if (deviateInColumns != null && deviateInColumns[j]) {
        u[0] ^= 1;
      }
      out.putLongs(u, 0, words);
      Arrays.fill(seeds[2 * j], (byte) 0);
      Arrays.fill(seeds[2 * j + 1], (byte) 0);
    }
    byte[] msg = withCheck(out, t, choice, senderSeed);
    long[] messages = new long[2 * count];
    KosCheck.rowsAndHash(t, count, 0, 0, messages, null);
    for (long[] col : t) {
      Arrays.fill(col, 0);
    }
    long[] choices = Arrays.copyOf(choice, (count + 63) / 64);
    if (count % 64 != 0) {
      choices[choices.length - 1] &= (1L << (count % 64)) - 1;
    }
    Arrays.fill(choice, 0);
    output = new RandomOtReceiverOutput(count, choices, messages);
    return msg;
  }

  // Appends x = sum chi_i r_i and t = sum chi_i t_i. The challenge depends on u's bytes exactly
  // as sent, so the message is finished first and the check values patched in after hashing.
  private byte[] withCheck(MessageWriter out, long[][] t, long[] choice, byte[] senderSeed) {
    long[] tmp = new long[4];
    out.putLongs(tmp, 0, 4);
    byte[] msg = out.toByteArray();
    int uLen = KosCheck.KAPPA * words * 8;
    byte[] chi = KosCheck.chiSeed(senderSeed, msg, 1, uLen);
    long[] f = KosCheck.fold(t, choice, words, chi);
    Blocks.putLong(msg, 1 + uLen, f[2]);
    Blocks.putLong(msg, 1 + uLen + 8, f[3]);
    Blocks.putLong(msg, 1 + uLen + 16, f[0]);
    Blocks.putLong(msg, 1 + uLen + 24, f[1]);
    return msg;
  }

  /**
   * This side's random OTs, available after {@link #thirdMessage(byte[])}. Ownership passes to
   * the caller, who erases it after use.
   */
  public RandomOtReceiverOutput output() {
    if (output == null) {
      throw new IllegalStateException("the extension has not run yet");
    }
    RandomOtReceiverOutput o = output;
    output = null;
    return o;
  }

  /**
   * Runs the receiver's side over {@code channel}. On any failure the channel is closed, so the
   * peer aborts too, and the exception is rethrown.
   */
  public static RandomOtReceiverOutput run(Channel channel, int count, SecureRandom rng) {
    try {
      KosReceiver r = new KosReceiver(count, rng);
      channel.send(r.firstMessage());
      channel.send(r.thirdMessage(channel.receive()));
      return r.output();
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }
}
