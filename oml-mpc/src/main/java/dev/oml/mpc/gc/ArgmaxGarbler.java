package dev.oml.mpc.gc;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.transport.Channel;
import dev.oml.mpc.circuit.Circuits;
import java.security.SecureRandom;

/**
 * The owner's side of the last layer when the owner's policy reveals only the label: the user
 * learns the index of the largest of {@code k} secret-shared logits
 * ({@link Circuits#argmaxOfShares(FixedPointFormat, int)}) and nothing else; the owner learns
 * nothing. Offline before the query, online once {@code z_O} is known; the user's side is
 * {@link ArgmaxEvaluator}.
 */
public final class ArgmaxGarbler {
  private final FixedPointFormat format;
  private final int k;
  private final GcGarblerSession session;

  /** Garbles the argmax of {@code k} logits. */
  public ArgmaxGarbler(FixedPointFormat format, int k, SecureRandom rng) {
    this.format = format;
    this.k = k;
    this.session = new GcGarblerSession(Circuits.argmaxOfShares(format, k), 1, rng);
  }

  /** The underlying session, for message-level use. */
  public GcGarblerSession session() {
    return session;
  }

  /** Offline phase over {@code channel}. */
  public void runOffline(Channel channel) {
    session.runOffline(channel);
  }

  /** Online phase with the owner's logit shares. */
  public void runOnline(Channel channel, long[] zO) {
    session.runOnline(channel, bits(format, k, zO));
  }

  /** Message-level online step. */
  public byte[] onlineRespond(byte[] request, long[] zO) {
    return session.onlineRespond(request, bits(format, k, zO));
  }

  static boolean[] bits(FixedPointFormat format, int k, long[] z) {
    if (z.length != k) {
      throw new IllegalArgumentException("expected " + k + " logit shares");
    }
    int l = format.ringBits();
    boolean[] b = new boolean[k * l];
    for (int i = 0; i < k; i++) {
      Circuits.toBits(format.reduce(z[i]), l, b, i * l);
    }
    return b;
  }
}
