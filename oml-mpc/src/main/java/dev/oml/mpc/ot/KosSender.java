package dev.oml.mpc.ot;

import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.internal.Gf128;
import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.MessageWriter;
import dev.oml.mpc.internal.Prg;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Sender of KOS15 random OT extension: ends up with {@code count} pairs of uniformly random
 * 128-bit messages {@code (m_0, m_1)}, of which the {@link KosReceiver} knows exactly one each.
 *
 * <p>The sender draws a fresh global secret {@code Delta} per session and acts as receiver of
 * 128 Naor-Pinkas base OTs with {@code Delta}'s bits as choices. The KOS correlation check (a
 * random linear combination over GF(2^128) of the rows the receiver committed to) is what plain
 * IKNP lacks: without it a receiver that uses inconsistent choice vectors learns bits of
 * {@code Delta} by selective failure, and with {@code Delta} every message pair. A failed check
 * aborts the session with {@link ProtocolAbortException}; the session must never be retried with
 * the same state, and this class makes that impossible (one instance, one extension).
 *
 * <p>Security: malicious receiver, semi-honest sender, computational security about 128 bits
 * (CDH in P-256 for the base OTs, AES as PRG and as correlation-robust hash, SHA-256 as random
 * oracle for the challenge), statistical security of the check about 64 bits.
 */
public final class KosSender {
  static final int TAG_SECOND = 0x12;
  private final int count;
  private final int words;
  private final SecureRandom rng;
  private long dlo;
  private long dhi;
  private BaseOtReceiver base;
  private byte[][] seeds;
  private byte[] senderSeed;
  private boolean finished;

  /**
   * Prepares {@code count} random OTs.
   *
   * @throws IllegalArgumentException if {@code count < 1} or too large for one batch
   */
  public KosSender(int count, SecureRandom rng) {
    if (count < 1 || count > KosCheck.MAX_COUNT) {
      throw new IllegalArgumentException("count must be in [1, 2^24]; split larger batches");
    }
    this.count = count;
    this.words = KosCheck.words(count);
    this.rng = rng;
    dlo = rng.nextLong();
    dhi = rng.nextLong();
    boolean[] s = new boolean[KosCheck.KAPPA];
    for (int j = 0; j < KosCheck.KAPPA; j++) {
      s[j] = bit(j) != 0;
    }
    base = new BaseOtReceiver(s, rng);
    Arrays.fill(s, false);
  }

  private long bit(int j) {
    return j < 64 ? (dlo >>> j) & 1 : (dhi >>> (j - 64)) & 1;
  }

  /**
   * Consumes message 1 and returns message 2, sender to receiver: the base-OT answers and the
   * seed that fixes the check's challenge.
   *
   * @throws ProtocolAbortException if message 1 is malformed or out of order
   */
  public byte[] secondMessage(byte[] first) {
    if (base == null) {
      throw new IllegalStateException("secondMessage was already called");
    }
    MessageReader r = new MessageReader(first, BaseOtSender.TAG_FIRST,
        2 * NaorPinkas.POINT_BYTES, "KOS message 1");
    byte[] payload = new byte[BaseOtSender.answerBytes(KosCheck.KAPPA)];
    seeds = base.respond(r, payload, 0);
    base = null;
    senderSeed = new byte[16];
    rng.nextBytes(senderSeed);
    return new MessageWriter(TAG_SECOND, payload.length + 16).putBytes(payload)
        .putBytes(senderSeed).toByteArray();
  }

  /**
   * Consumes message 3, runs the consistency check and returns this side's random OTs.
   *
   * @throws ProtocolAbortException if message 3 is malformed, out of order, or fails the check
   */
  public RandomOtSenderOutput finish(byte[] third) {
    if (seeds == null || finished) {
      throw new IllegalStateException("call secondMessage once, then finish once");
    }
    finished = true;
    int uLen = KosCheck.KAPPA * words * 8;
    MessageReader r = new MessageReader(third, KosReceiver.TAG_THIRD,
        KosReceiver.thirdPayload(words), "KOS message 3");
    long[][] q = new long[KosCheck.KAPPA][];
    long[] u = new long[words];
    try {
      for (int j = 0; j < KosCheck.KAPPA; j++) {
        q[j] = new long[words];
        new Prg(seeds[j]).fill(q[j], 0, words);
        r.getLongs(u, 0, words);
        long m = -bit(j);
        for (int w = 0; w < words; w++) {
          q[j][w] ^= u[w] & m;
        }
        Arrays.fill(seeds[j], (byte) 0);
      }
      long xlo = r.getLong();
      long xhi = r.getLong();
      long tlo = r.getLong();
      long thi = r.getLong();
      byte[] chi = KosCheck.chiSeed(senderSeed, third, 1, uLen);
      long[] f = KosCheck.fold(q, null, words, chi);
      long[] xd = new long[2];
      Gf128.mul(xlo, xhi, dlo, dhi, xd);
      long diff = (f[0] ^ tlo ^ xd[0]) | (f[1] ^ thi ^ xd[1]);
      if (diff != 0) {
        throw new KosCheckFailedException(
            "KOS consistency check failed: the receiver's OT extension matrix is inconsistent;"
                + " the session is aborted and its state discarded");
      }
      long[] m0 = new long[2 * count];
      long[] m1 = new long[2 * count];
      KosCheck.rowsAndHash(q, count, dlo, dhi, m0, m1);
      return new RandomOtSenderOutput(count, m0, m1);
    } finally {
      for (long[] col : q) {
        if (col != null) {
          Arrays.fill(col, 0);
        }
      }
      dlo = 0;
      dhi = 0;
      seeds = null;
    }
  }

  /**
   * Runs the sender's side over {@code channel}. On any failure the channel is closed, so the
   * peer aborts too, and the exception is rethrown.
   */
  public static RandomOtSenderOutput run(Channel channel, int count, SecureRandom rng) {
    try {
      KosSender s = new KosSender(count, rng);
      channel.send(s.secondMessage(channel.receive()));
      return s.finish(channel.receive());
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }
}
