package dev.oml.mpc.ot;

import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.internal.Blocks;
import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.MessageWriter;
import dev.oml.mpc.internal.Prg;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Receiver of a bundle's KOS15 OT extension: one set of 128 Naor-Pinkas base OTs for the whole
 * bundle, then any number of extensions ({@link #extend}), each a batch of random OTs with its
 * own consistency check. The peer is {@link KosExtensionSender}, which holds one {@code Delta}
 * for the bundle.
 *
 * <p>Steps, each a local function: {@link #firstMessage()} (this side is the base-OT sender),
 * {@link #setup(byte[])} (the base-OT answers and the bundle's challenge seed), then
 * {@link #extend(int, KosDomain)} as often as the bundle needs, in the order the sender expects.
 * The two PRG streams of every base OT continue from one extension to the next (they are never
 * restarted, so no pad is reused), each extension hashes its rows under its own range of
 * tweaks, and each extension's challenge is drawn from its {@code u}, its place in the bundle
 * and its {@link KosDomain}. Security argument: docs/SECURITY.md, "Tier 2: the served protocol".
 */
public final class KosExtensionReceiver {
  static final int TAG_EXTEND = 0x15;
  private final SecureRandom rng;
  private BaseOtSender base;
  private Prg[] g0;
  private Prg[] g1;
  private byte[] bundleSeed;
  private long sequence;
  private long nextIndex;
  // Test hook for the attack tests: columns whose choice vector is flipped at OT 0 while the
  // check values are still computed from the honest matrix. Never set in production.
  boolean[] deviateInColumns;
  // Test hook for the mixing attack: columns of u copied from an earlier extension message of
  // the same size (mixFrom), the check values still computed from the honest matrix over the
  // bytes actually sent. Never set in production.
  boolean[] mixColumns;
  byte[] mixFrom;

  /** A bundle's receiver; its base OTs start with {@link #firstMessage()}. */
  public KosExtensionReceiver(SecureRandom rng) {
    this.rng = rng;
    this.base = new BaseOtSender(KosCheck.KAPPA, rng);
  }

  /** Message 1, receiver to sender: the base-OT sender's points (once per bundle). */
  public byte[] firstMessage() {
    if (base == null) {
      throw new IllegalStateException("the base OTs already ran");
    }
    return base.firstMessage();
  }

  /**
   * Consumes message 2 (the base-OT answers and the sender's bundle seed); afterwards
   * {@link #extend} runs.
   *
   * @throws ProtocolAbortException if message 2 is malformed
   */
  public void setup(byte[] second) {
    if (base == null || g0 != null) {
      throw new IllegalStateException("setup runs once, after firstMessage");
    }
    MessageReader r = new MessageReader(second, KosSender.TAG_SECOND,
        BaseOtSender.answerBytes(KosCheck.KAPPA) + 16, "KOS bundle message 2");
    byte[][] seeds = base.finish(r);
    bundleSeed = r.getBytes(16);
    base = null;
    g0 = new Prg[KosCheck.KAPPA];
    g1 = new Prg[KosCheck.KAPPA];
    for (int j = 0; j < KosCheck.KAPPA; j++) {
      g0[j] = new Prg(seeds[2 * j]);
      g1[j] = new Prg(seeds[2 * j + 1]);
      Arrays.fill(seeds[2 * j], (byte) 0);
      Arrays.fill(seeds[2 * j + 1], (byte) 0);
    }
  }

  /** One extension: the message for the sender and this side's random OTs. */
  public record Extension(byte[] message, RandomOtReceiverOutput output) {}

  /**
   * The next extension, of {@code count} random OTs for {@code domain}: the IKNP matrix
   * {@code u} from the continued streams, and the KOS check values under this extension's
   * challenge. Ownership of the output passes to the caller, who erases it after use.
   *
   * @throws IllegalArgumentException if {@code count < 1} or too large for one extension
   */
  public Extension extend(int count, KosDomain domain) {
    if (g0 == null) {
      throw new IllegalStateException("the base OTs have not run, or the extension was erased");
    }
    if (count < 1 || count > KosCheck.MAX_COUNT) {
      throw new IllegalArgumentException("count must be in [1, 2^24]; split larger batches");
    }
    int words = KosCheck.words(count);
    long[] choice = new long[words];
    Prg.fromRandom(rng).fill(choice, 0, words);
    long[][] t = new long[KosCheck.KAPPA][words];
    int uLen = KosCheck.KAPPA * words * 8;
    MessageWriter out = new MessageWriter(TAG_EXTEND, KosReceiver.thirdPayload(words));
    long[] u = new long[words];
    for (int j = 0; j < KosCheck.KAPPA; j++) {
      g0[j].fill(t[j], 0, words);
      g1[j].fill(u, 0, words);
      for (int w = 0; w < words; w++) {
        u[w] ^= t[j][w] ^ choice[w];
      }
      if (deviateInColumns != null && deviateInColumns[j]) {
        u[0] ^= 1;
      }
      if (mixColumns != null && mixColumns[j]) {
        for (int w = 0; w < words; w++) {
          u[w] = Blocks.getLong(mixFrom, 1 + 8 * (j * words + w));
        }
      }
      out.putLongs(u, 0, words);
    }
    out.putLongs(new long[4], 0, 4);
    byte[] msg = out.toByteArray();
    byte[] chi = KosCheck.chunkChiSeed(bundleSeed, sequence, nextIndex, count, domain.encode(),
        msg, 1, uLen);
    long[] f = KosCheck.fold(t, choice, words, chi);
    Blocks.putLong(msg, 1 + uLen, f[2]);
    Blocks.putLong(msg, 1 + uLen + 8, f[3]);
    Blocks.putLong(msg, 1 + uLen + 16, f[0]);
    Blocks.putLong(msg, 1 + uLen + 24, f[1]);
    long[] messages = new long[2 * count];
    KosCheck.rowsAndHash(t, count, nextIndex, 0, 0, messages, null);
    for (long[] col : t) {
      Arrays.fill(col, 0);
    }
    long[] choices = Arrays.copyOf(choice, (count + 63) / 64);
    if (count % 64 != 0) {
      choices[choices.length - 1] &= (1L << (count % 64)) - 1;
    }
    Arrays.fill(choice, 0);
    sequence++;
    nextIndex += count;
    return new Extension(msg, new RandomOtReceiverOutput(count, choices, messages));
  }

  /** Drops the streams; the bundle's extension ends here. */
  public void erase() {
    g0 = null;
    g1 = null;
    base = null;
  }
}
