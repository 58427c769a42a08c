package dev.oml.mpc.gc;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.transport.Channel;
import dev.oml.mpc.circuit.Circuits;
import java.security.SecureRandom;

/**
 * The user's side of the label-only last layer (see {@link ArgmaxGarbler}): returns the index of
 * the largest logit (signed, the first one on ties), computed from both parties' shares.
 */
public final class ArgmaxEvaluator {
  private final FixedPointFormat format;
  private final int k;
  private final GcEvaluatorSession session;

  /** Prepares to evaluate the argmax of {@code k} logits. */
  public ArgmaxEvaluator(FixedPointFormat format, int k, SecureRandom rng) {
    this.format = format;
    this.k = k;
    this.session = new GcEvaluatorSession(Circuits.argmaxOfShares(format, k), 1, rng);
  }

  /** The underlying session, for message-level use. */
  public GcEvaluatorSession session() {
    return session;
  }

  /** Offline phase over {@code channel}. */
  public void runOffline(Channel channel) {
    session.runOffline(channel);
  }

  /** Online phase: returns the label. */
  public int runOnline(Channel channel, long[] zU) {
    boolean[] out = session.runOnline(channel, ArgmaxGarbler.bits(format, k, zU));
    return (int) Circuits.fromBits(out, 0, out.length);
  }

  /** Message-level online step 1. */
  public byte[] onlineRequest(long[] zU) {
    return session.onlineRequest(ArgmaxGarbler.bits(format, k, zU));
  }

  /** Message-level online step 2: returns the label. */
  public int onlineFinish(byte[] response) {
    boolean[] out = session.onlineFinish(response);
    return (int) Circuits.fromBits(out, 0, out.length);
  }
}
