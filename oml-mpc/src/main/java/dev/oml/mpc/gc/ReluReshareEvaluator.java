package dev.oml.mpc.gc;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.transport.Channel;
import dev.oml.mpc.circuit.Circuits;
import dev.oml.mpc.ot.RandomOtReceiverOutput;
import java.security.SecureRandom;

/**
 * The user's side of ReLU-and-reshare for one layer of {@code n} neurons (see {@link
 * ReluReshareGarbler}): offline it runs the random OTs and receives the garbled circuits; online
 * it turns its shares {@code z_U} into its new shares {@code ReLU(trunc(z_U + z_O)) - m mod 2^l},
 * which are uniform to it because the owner's masks {@code m} are.
 */
public final class ReluReshareEvaluator {
  private final FixedPointFormat format;
  private final int neurons;
  private final GcEvaluatorSession session;

  /** Prepares to evaluate {@code neurons} ReLU-and-reshare circuits. */
  public ReluReshareEvaluator(FixedPointFormat format, int neurons, SecureRandom rng) {
    this.format = format;
    this.neurons = neurons;
    this.session = new GcEvaluatorSession(Circuits.reluReshare(format), neurons,
        format.ringBits(), rng);
  }

  /**
   * Prepares with random OTs from a bundle-wide extension (see the garbler's constructor of the
   * same shape; both sides must take the same counts in the same order).
   */
  public ReluReshareEvaluator(FixedPointFormat format, int neurons,
      RandomOtReceiverOutput randomOts) {
    this.format = format;
    this.neurons = neurons;
    this.session = new GcEvaluatorSession(Circuits.reluReshare(format), neurons,
        format.ringBits(), randomOts);
  }

  /** The underlying session, for message-level use. */
  public GcEvaluatorSession session() {
    return session;
  }

  /** Offline phase over {@code channel}. */
  public void runOffline(Channel channel) {
    session.runOffline(channel);
  }

  /** Online phase: returns the user's new shares. */
  public long[] runOnline(Channel channel, long[] zU) {
    return decode(session.runOnline(channel, inputBits(zU)));
  }

  /** Message-level online step 1: the request for {@code zU}'s labels. */
  public byte[] onlineRequest(long[] zU) {
    return session.onlineRequest(inputBits(zU));
  }

  /** Message-level online step 2: evaluates and returns the user's new shares. */
  public long[] onlineFinish(byte[] response) {
    return decode(session.onlineFinish(response));
  }

  private boolean[] inputBits(long[] zU) {
    if (zU.length != neurons) {
      throw new IllegalArgumentException("expected " + neurons + " shares");
    }
    int l = format.ringBits();
    boolean[] bits = new boolean[l * neurons];
    for (int k = 0; k < neurons; k++) {
      Circuits.toBits(format.reduce(zU[k]), l, bits, l * k);
    }
    return bits;
  }

  private long[] decode(boolean[] out) {
    int l = format.ringBits();
    long[] shares = new long[neurons];
    for (int k = 0; k < neurons; k++) {
      shares[k] = Circuits.fromBits(out, l * k, l);
    }
    return shares;
  }
}
