package dev.oml.mpc.auth;

import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.Channel;
import dev.oml.mpc.auth.internal.FieldSampler;
import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.MessageWriter;
import dev.oml.mpc.internal.Prg;
import java.util.ArrayList;
import java.util.List;

/**
 * The licensee's side of the one batched MAC check per query (protocol and soundness in
 * {@link MacCheckVerifier}). Register, in the order the owner registers its keys, every vector
 * whose values are opened in the claim message ({@link #open}), and every vector whose values the
 * owner already knows ({@link #known}), such as values opened earlier in the query or
 * differences that must be zero ({@link #zero}: a circuit input against the authenticated value
 * it should equal). Then {@link #claimMessage()}, and {@link #respond(byte[])} to the owner's
 * challenge with one combined tag. One instance serves one check.
 */
public final class MacCheckProver {
  private final List<AuthenticatedVector> entries = new ArrayList<>();
  private final List<AuthenticatedVector> opened = new ArrayList<>();
  private boolean claimed;
  private boolean responded;

  /** Registers a vector whose values travel in the claim message. */
  public MacCheckProver open(AuthenticatedVector v) {
    requireOpenForRegistration();
    entries.add(v);
    opened.add(v);
    return this;
  }

  /** Registers a vector whose values the owner already knows (they do not travel again). */
  public MacCheckProver known(AuthenticatedVector v) {
    requireOpenForRegistration();
    entries.add(v);
    return this;
  }

  /** Registers a vector that must be all zeros (the owner registers it with zeros). */
  public MacCheckProver zero(AuthenticatedVector v) {
    return known(v);
  }

  private void requireOpenForRegistration() {
    if (claimed) {
      throw new IllegalStateException("all values must be registered before the claim message");
    }
  }

  /** The claim message: the values of every {@link #open} vector, in registration order. */
  public byte[] claimMessage() {
    if (claimed) {
      throw new IllegalStateException("the claim message was already built");
    }
    claimed = true;
    int n = opened.stream().mapToInt(AuthenticatedVector::length).sum();
    MessageWriter w = new MessageWriter(MacCheckVerifier.TAG_CLAIMS, 8 * n);
    for (AuthenticatedVector v : opened) {
      w.putLongs(v.valuesView(), 0, v.length());
    }
    return w.toByteArray();
  }

  /**
   * Ends registration for a check that opens nothing (see
   * {@link MacCheckVerifier#challengeWithoutClaims()}): no claim message travels, and
   * {@link #respond} may follow.
   *
   * @throws IllegalStateException if a vector was registered with {@link #open}, or the claims
   *     were already made
   */
  public void claimNothing() {
    if (!opened.isEmpty()) {
      throw new IllegalStateException("opened values travel in the claim message");
    }
    claimMessage();
  }

  /**
   * Consumes the owner's challenge and returns the combined tag {@code sum_i chi_i M_i}.
   *
   * @throws dev.oml.core.transport.ProtocolAbortException if the challenge is malformed
   */
  public byte[] respond(byte[] challenge) {
    if (!claimed || responded) {
      throw new IllegalStateException("call claimMessage once, then respond once");
    }
    responded = true;
    MessageReader r = new MessageReader(challenge, MacCheckVerifier.TAG_CHALLENGE,
        MacCheckVerifier.SEED_BYTES, "MAC check challenge");
    FieldSampler chi = new FieldSampler(new Prg(r.getBytes(MacCheckVerifier.SEED_BYTES)));
    long acc = 0;
    for (AuthenticatedVector v : entries) {
      long[] t = v.tagsView();
      for (long tag : t) {
        acc = PrimeField.add(acc, PrimeField.mul(chi.next(), tag));
      }
    }
    return new MessageWriter(MacCheckVerifier.TAG_RESPONSE, 8).putLong(acc).toByteArray();
  }

  /**
   * Runs the licensee's side over {@code channel} (three messages: claims, challenge,
   * combined tag). On failure the channel is closed and the exception rethrown.
   */
  public void run(Channel channel) {
    try {
      channel.send(claimMessage());
      channel.send(respond(channel.receive()));
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }
}
