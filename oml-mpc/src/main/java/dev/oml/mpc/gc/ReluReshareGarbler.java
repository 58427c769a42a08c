package dev.oml.mpc.gc;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.transport.Channel;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.Circuits;
import dev.oml.mpc.ot.RandomOtSenderOutput;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The owner's side of ReLU-and-reshare for one layer of {@code n} neurons: given the owner's
 * shares {@code z_O} of the pre-activations, the user ends up with {@code ReLU(trunc(z_U + z_O))
 * - m mod 2^l} and the owner with {@code m}, a fresh uniform mask per neuron, drawn here and used
 * once. This is {@link Circuits#reluReshare(FixedPointFormat)} run through {@link
 * GcGarblerSession}; the user's side is {@link ReluReshareEvaluator}.
 *
 * <p>Call order: constructor and {@link #runOffline(Channel)} before the query's input exists
 * (the owner's new shares {@link #ownerShares()} are known from then on); {@link
 * #runOnline(Channel, long[])} once {@code z_O} is known. Local message steps are available
 * through {@link #session()} for callers that own the transport.
 */
public final class ReluReshareGarbler {
  private final FixedPointFormat format;
  private final int neurons;
  private final GcGarblerSession session;
  private long[] masks;

  /** Draws the masks and garbles {@code neurons} ReLU-and-reshare circuits. */
  public ReluReshareGarbler(FixedPointFormat format, int neurons, SecureRandom rng) {
    this(format, neurons, null, rng);
  }

  /**
   * As {@link #ReluReshareGarbler(FixedPointFormat, int, SecureRandom)}, with the random OTs
   * taken from a bundle-wide extension ({@link #randomOtsNeeded} of them, e.g.
   * {@code bundle.take(randomOtsNeeded(format, neurons))}); the offline phase is then the tables
   * message alone.
   */
  public ReluReshareGarbler(FixedPointFormat format, int neurons, RandomOtSenderOutput randomOts,
      SecureRandom rng) {
    this.format = format;
    this.neurons = neurons;
    Circuit c = Circuits.reluReshare(format);
    int l = format.ringBits();
    masks = new long[neurons];
    boolean[] maskBits = new boolean[l * neurons];
    for (int i = 0; i < neurons; i++) {
      masks[i] = format.reduce(rng.nextLong());
      Circuits.toBits(masks[i], l, maskBits, l * i);
    }
    // The masks are known now, so their labels go offline with the tables.
    this.session = randomOts == null
        ? new GcGarblerSession(c, neurons, l, maskBits, rng)
        : new GcGarblerSession(c, neurons, l, maskBits, randomOts, rng);
    Arrays.fill(maskBits, false);
  }

  /** Random OTs one layer of {@code neurons} consumes: one per bit of the user's share. */
  public static int randomOtsNeeded(FixedPointFormat format, int neurons) {
    return format.ringBits() * neurons;
  }

  /** The underlying session, for message-level use (offline steps, then {@link #onlineRespond}). */
  public GcGarblerSession session() {
    return session;
  }

  /**
   * The owner's new shares: the masks {@code m}, one per neuron (a copy; the caller owns it and
   * erases it after use). Available from construction until the online phase starts, when this
   * object erases its own copy.
   */
  public long[] ownerShares() {
    if (masks == null) {
      throw new IllegalStateException("the masks were erased after the online phase");
    }
    return masks.clone();
  }

  /** Offline phase over {@code channel}. */
  public void runOffline(Channel channel) {
    session.runOffline(channel);
  }

  /** Online phase over {@code channel} with the owner's pre-activation shares {@code zO}. */
  public void runOnline(Channel channel, long[] zO) {
    session.runOnline(channel, inputBits(zO));
  }

  /** Message-level online step: answers the user's request given {@code zO}. */
  public byte[] onlineRespond(byte[] request, long[] zO) {
    return session.onlineRespond(request, inputBits(zO));
  }

  private boolean[] inputBits(long[] zO) {
    if (zO.length != neurons) {
      throw new IllegalArgumentException("expected " + neurons + " shares");
    }
    int l = format.ringBits();
    boolean[] bits = new boolean[l * neurons];
    for (int k = 0; k < neurons; k++) {
      Circuits.toBits(format.reduce(zO[k]), l, bits, l * k);
    }
    if (masks != null) {
      Arrays.fill(masks, 0);
      masks = null;
    }
    return bits;
  }
}
