package dev.oml.mpc.ot;

import dev.oml.mpc.internal.MessageReader;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Receiver side of a batch of random base OTs by Naor-Pinkas over P-256: for each OT it learns
 * the seed for its choice bit and nothing about the other; the sender learns nothing about the
 * choices (its view, the points {@code PK_0}, is uniform). Both candidate points are computed for
 * every OT so that timing does not depend on the choice. Single use.
 */
final class BaseOtReceiver {
  private final boolean[] choices;
  private final SecureRandom rng;
  private boolean done;

  /** Starts a batch with the given choice bits (copied). */
  public BaseOtReceiver(boolean[] choices, SecureRandom rng) {
    if (choices.length < 1) {
      throw new IllegalArgumentException("need at least one choice");
    }
    this.choices = choices.clone();
    this.rng = rng;
  }

  /**
   * Consumes the sender's first message (read from {@code r}), writes this side's answer (the
   * points {@code PK_0}) into {@code answer} at {@code off}, and returns the chosen seeds.
   */
  byte[][] respond(MessageReader r, byte[] answer, int off) {
    if (done) {
      throw new IllegalStateException("this base-OT receiver was already used");
    }
    done = true;
    byte[] transcript = r.getBytes(2 * NaorPinkas.POINT_BYTES);
    ECPoint c = NaorPinkas.decode(transcript, 0, r.step());
    ECPoint a = NaorPinkas.decode(transcript, NaorPinkas.POINT_BYTES, r.step());
    byte[][] seeds = new byte[choices.length][NaorPinkas.SEED_BYTES];
    for (int j = 0; j < choices.length; j++) {
      BigInteger k = NaorPinkas.randomScalar(rng);
      ECPoint pkb = NaorPinkas.baseMul(k);
      ECPoint other = c.subtract(pkb).normalize();
      byte[] encB = pkb.getEncoded(true);
      byte[] encOther = other.getEncoded(true);
      // PK_0 is pkb when the choice is 0 and C - pkb when it is 1; select without branching.
      int m = -(choices[j] ? 1 : 0);
      for (int i = 0; i < NaorPinkas.POINT_BYTES; i++) {
        answer[off + j * NaorPinkas.POINT_BYTES + i] =
            (byte) ((encB[i] & ~m) | (encOther[i] & m));
      }
      NaorPinkas.hash(transcript, j, choices[j] ? 1 : 0, NaorPinkas.fixedMul(a, k), seeds[j],
          0);
    }
    java.util.Arrays.fill(choices, false);
    return seeds;
  }
}
