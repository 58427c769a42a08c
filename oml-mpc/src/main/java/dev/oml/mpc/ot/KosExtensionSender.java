package dev.oml.mpc.ot;

import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.internal.Gf128;
import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.MessageWriter;
import dev.oml.mpc.internal.Prg;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Sender of a bundle's KOS15 OT extension (the receiver is {@link KosExtensionReceiver}): one
 * global secret {@code Delta} and one set of 128 Naor-Pinkas base OTs (this side their receiver,
 * with {@code Delta}'s bits as choices) for the whole bundle, then one {@link #extend} per batch
 * of random OTs the bundle needs. Each extension continues the 128 PRG streams where the last
 * one stopped, runs its own KOS consistency check with a challenge drawn from the receiver's
 * {@code u}, the extension's sequence number, first OT index and {@link KosDomain}, and hashes
 * its rows under its own tweak range.
 *
 * <p>Why one {@code Delta} for many checks is safe (KOS15, with the argument in docs/SECURITY.md
 * "Tier 2: the served protocol"): a receiver that deviates in an extension passes its check
 * only by guessing the bits of {@code Delta} its deviation touches, and a failed guess aborts.
 * Here the first failure of any kind ends the whole extension: this object erases
 * {@code Delta} and its streams and refuses every later call, and the served protocol ends the
 * bundle, so all extensions of a bundle together leak at most what one check leaks.
 *
 * <p>Security: malicious receiver, semi-honest sender, computational security about 128 bits
 * (CDH in P-256 for the base OTs, AES as PRG and correlation-robust hash, SHA-256 as random
 * oracle for the challenge), statistical security of each check about 64 bits.
 */
public final class KosExtensionSender {
  private final SecureRandom rng;
  private long dlo;
  private long dhi;
  private BaseOtReceiver base;
  private Prg[] streams;
  private byte[] bundleSeed;
  private long sequence;
  private long nextIndex;
  private boolean ended;
  // Test hook for the attack tests: skips the consistency check, to show what an attack gains
  // without it. Never set in production.
  boolean checkDisabled;

  /** A bundle's sender with a fresh {@code Delta}; its base OTs answer {@link #secondMessage}. */
  public KosExtensionSender(SecureRandom rng) {
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

  /** Bit {@code j} of {@code Delta}, for the attack tests only. */
  int deltaBit(int j) {
    return (int) bit(j);
  }

  /**
   * Consumes message 1 and returns message 2 (once per bundle): the base-OT answers and the
   * bundle's seed for every check challenge.
   *
   * @throws ProtocolAbortException if message 1 is malformed
   */
  public byte[] secondMessage(byte[] first) {
    if (base == null) {
      throw new IllegalStateException("secondMessage was already called");
    }
    try {
      MessageReader r = new MessageReader(first, BaseOtSender.TAG_FIRST,
          2 * NaorPinkas.POINT_BYTES, "KOS bundle message 1");
      byte[] payload = new byte[BaseOtSender.answerBytes(KosCheck.KAPPA)];
      byte[][] seeds = base.respond(r, payload, 0);
      base = null;
      streams = new Prg[KosCheck.KAPPA];
      for (int j = 0; j < KosCheck.KAPPA; j++) {
        streams[j] = new Prg(seeds[j]);
        Arrays.fill(seeds[j], (byte) 0);
      }
      bundleSeed = new byte[16];
      rng.nextBytes(bundleSeed);
      return new MessageWriter(KosSender.TAG_SECOND, payload.length + 16).putBytes(payload)
          .putBytes(bundleSeed).toByteArray();
    } catch (RuntimeException e) {
      erase();
      throw e;
    }
  }

  /**
   * Consumes the receiver's message for the next extension, of {@code count} random OTs for
   * {@code domain}, checks it and returns this side's random OTs. On any failure the whole
   * extension ends: {@code Delta} is erased and every later call throws.
   *
   * @throws KosCheckFailedException if the consistency check fails
   * @throws ProtocolAbortException if the message is malformed, or the extension already ended
   */
  public RandomOtSenderOutput extend(int count, KosDomain domain, byte[] message) {
    if (ended) {
      throw new ProtocolAbortException("this bundle's OT extension has ended (at an abort, or"
          + " after the bundle's offline phase); no further OTs are made from it");
    }
    if (streams == null) {
      throw new IllegalStateException("the base OTs have not run");
    }
    if (count < 1 || count > KosCheck.MAX_COUNT) {
      throw new IllegalArgumentException("count must be in [1, 2^24]; split larger batches");
    }
    int words = KosCheck.words(count);
    long[][] q = new long[KosCheck.KAPPA][];
    boolean ok = false;
    try {
      int uLen = KosCheck.KAPPA * words * 8;
      MessageReader r = new MessageReader(message, KosExtensionReceiver.TAG_EXTEND,
          KosReceiver.thirdPayload(words), "KOS extension message");
      long[] u = new long[words];
      for (int j = 0; j < KosCheck.KAPPA; j++) {
        q[j] = new long[words];
        streams[j].fill(q[j], 0, words);
        r.getLongs(u, 0, words);
        long m = -bit(j);
        for (int w = 0; w < words; w++) {
          q[j][w] ^= u[w] & m;
        }
      }
      long xlo = r.getLong();
      long xhi = r.getLong();
      long tlo = r.getLong();
      long thi = r.getLong();
      byte[] chi = KosCheck.chunkChiSeed(bundleSeed, sequence, nextIndex, count,
          domain.encode(), message, 1, uLen);
      long[] f = KosCheck.fold(q, null, words, chi);
      long[] xd = new long[2];
      Gf128.mul(xlo, xhi, dlo, dhi, xd);
      long diff = (f[0] ^ tlo ^ xd[0]) | (f[1] ^ thi ^ xd[1]);
      if (diff != 0 && !checkDisabled) {
        throw new KosCheckFailedException("KOS consistency check failed in extension "
            + sequence + " of the bundle: the receiver's OT extension matrix is inconsistent;"
            + " the bundle is aborted and its OT state discarded");
      }
      long[] m0 = new long[2 * count];
      long[] m1 = new long[2 * count];
      KosCheck.rowsAndHash(q, count, nextIndex, dlo, dhi, m0, m1);
      sequence++;
      nextIndex += count;
      ok = true;
      return new RandomOtSenderOutput(count, m0, m1);
    } finally {
      for (long[] col : q) {
        if (col != null) {
          Arrays.fill(col, 0);
        }
      }
      if (!ok) {
        erase();
      }
    }
  }

  /**
   * Ends the extension: erases {@code Delta} and drops the streams. Called on every failure, and
   * by the bundle once its offline phase has made all its OTs.
   */
  public void erase() {
    ended = true;
    dlo = 0;
    dhi = 0;
    base = null;
    streams = null;
  }
}
