package dev.oml.mpc.ot;

import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.Parallel;
import dev.oml.mpc.internal.MessageWriter;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Sender side of a batch of random base OTs by Naor-Pinkas over P-256 (see {@link BaseOtReceiver}
 * for the receiver). The sender speaks first ({@link #firstMessage()}: {@code C} and {@code A}),
 * then turns the receiver's answer into two 128-bit seeds per OT, of which the receiver knows
 * exactly one. Security: receiver privacy unconditional, sender privacy under CDH in P-256 in
 * the random-oracle model (about 128 bits). Single use: an instance runs one batch.
 */
final class BaseOtSender {
  static final int TAG_FIRST = 0x11;
  private final int count;
  private BigInteger a;
  private ECPoint c;
  private byte[] transcript;

  /**
   * Starts a batch of {@code count} random OTs.
   *
   * @throws IllegalArgumentException if {@code count < 1}
   */
  public BaseOtSender(int count, SecureRandom rng) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be positive");
    }
    this.count = count;
    this.a = NaorPinkas.randomScalar(rng);
    this.c = NaorPinkas.baseMul(NaorPinkas.randomScalar(rng));
  }

  /** The number of OTs in this batch. */
  public int count() {
    return count;
  }

  /** Message 1 (sender to receiver): the points {@code C} and {@code A = a*G}. */
  public byte[] firstMessage() {
    if (transcript != null) {
      throw new IllegalStateException("firstMessage was already produced");
    }
    byte[] t = new byte[2 * NaorPinkas.POINT_BYTES];
    System.arraycopy(c.getEncoded(true), 0, t, 0, NaorPinkas.POINT_BYTES);
    System.arraycopy(NaorPinkas.baseMul(a).getEncoded(true), 0, t, NaorPinkas.POINT_BYTES,
        NaorPinkas.POINT_BYTES);
    transcript = t;
    return new MessageWriter(TAG_FIRST, t.length).putBytes(t).toByteArray();
  }

  /** Payload size of the receiver's answer. */
  static int answerBytes(int count) {
    return count * NaorPinkas.POINT_BYTES;
  }

  /**
   * Consumes the receiver's points {@code PK_0} (as read from {@code r}) and returns the seeds:
   * {@code [2j]} for choice 0 and {@code [2j+1]} for choice 1, 16 bytes each.
   */
  byte[][] finish(MessageReader r) {
    if (transcript == null || a == null) {
      throw new IllegalStateException("call firstMessage once before finishing");
    }
    byte[] all = r.getBytes(answerBytes(count));
    ECPoint ca = c.multiply(a).normalize();
    byte[][] seeds = new byte[2 * count][NaorPinkas.SEED_BYTES];
    String step = r.step();
    BigInteger k = a;
    byte[] t = transcript;
    // the OTs are independent (one scalar multiplication each): half of them on a helper core
    Parallel.split(count, 16, (from, to) -> {
      for (int j = from; j < to; j++) {
        ECPoint pk0 = NaorPinkas.decode(all, j * NaorPinkas.POINT_BYTES, step);
        ECPoint p0 = pk0.multiply(k).normalize();
        ECPoint p1 = ca.subtract(p0).normalize();
        NaorPinkas.hash(t, j, 0, p0, seeds[2 * j], 0);
        NaorPinkas.hash(t, j, 1, p1, seeds[2 * j + 1], 0);
      }
    });
    a = null;
    return seeds;
  }
}
