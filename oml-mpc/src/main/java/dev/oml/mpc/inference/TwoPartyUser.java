package dev.oml.mpc.inference;

import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.omlize.LicenseeArtifact;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.inference.internal.UserProtocol;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * The licensee's side of two-party inference. It runs its share of the model ({@code W_U} from
 * its artifact) locally, and the owner's online service supplies the rest without ever holding
 * the model. Offline, {@link #prepare} makes single-use material for {@code n} queries under one
 * permission (charged by the owner when it receives the first message, before any work); online,
 * {@link #infer} runs one query: one exchange of masked vectors and one garbled-circuit
 * evaluation per layer. The owner never sees the input unmasked; the user learns the logits or,
 * if the owner's policy says so, only the label.
 *
 * <p>Security (tier 1): semi-honest owner and user. A user that deviates (malformed offline
 * ciphertexts, chosen offsets on its shares, tampered offline answers) recovers the weights and
 * the owner's bundle key; see {@code docs/SECURITY.md} (section "Two-party inference") and
 * {@code docs/2pc-attacks.md}.
 *
 * <p>Two ways to drive it: over a {@link Channel} ({@link #prepare}, {@link #infer}), or as
 * local steps over messages ({@link #beginPrepare}, {@link Preparation}, {@link #start}) for
 * callers that own the transport. Not thread-safe; use one instance per thread.
 */
public final class TwoPartyUser {
  private final UserProtocol protocol;
  private final LicenseeArtifact artifact;

  /**
   * A user with the model's default output: the label if the model ends with argmax, else the
   * logits.
   */
  public TwoPartyUser(LicenseeArtifact artifact, SigningKeyPair licensee,
      TwoPartyParameters params, SecureRandom random) {
    this(artifact, licensee, params,
        artifact.manifest().architecture().endsWithArgmax() ? OutputPolicy.LABEL
            : OutputPolicy.LOGITS, random);
  }

  /**
   * A user that expects {@code policy}; the owner aborts the bundle if its policy differs.
   *
   * @throws UnsupportedLayerException if the model has a layer this mode cannot run
   * @throws IllegalArgumentException if the parameters do not carry the model's ring or the
   *     artifact is for another licensee key
   */
  public TwoPartyUser(LicenseeArtifact artifact, SigningKeyPair licensee,
      TwoPartyParameters params, OutputPolicy policy, SecureRandom random) {
    this.artifact = Objects.requireNonNull(artifact, "artifact");
    this.protocol = new UserProtocol(artifact, Objects.requireNonNull(licensee, "licensee"),
        Objects.requireNonNull(params, "params"), Objects.requireNonNull(policy, "policy"),
        Objects.requireNonNull(random, "random"));
  }

  /** The protocol engine, for tests that watch the user's view. */
  UserProtocol protocol() {
    return protocol;
  }

  /** The output policy this user expects. */
  public OutputPolicy policy() {
    return protocol.policy();
  }

  /** The artifact this user computes with. */
  public LicenseeArtifact artifact() {
    return artifact;
  }

  /** Local step 1 of the offline phase: masks, their encryptions and the OT starts. */
  public Preparation beginPrepare(int n) {
    return new Preparation(protocol.begin(n));
  }

  /** The offline phase of one bundle as local steps (flights 1 to 4). */
  public static final class Preparation {
    private final UserProtocol.Preparation p;

    Preparation(UserProtocol.Preparation p) {
      this.p = p;
    }

    /** The binding to request the permission for (hash of the first message's payload). */
    public Binding binding() {
      return p.binding();
    }

    /** The first message's payload (a copy): what the binding is the hash of. */
    public byte[] payload() {
      return p.payload();
    }

    /** The number of queries in the bundle. */
    public int size() {
      return p.size();
    }

    /** Flight 1: {@code token || proof || payload}, the owner's gate checks it first. */
    public byte[] firstMessage(PermissionToken token) {
      return p.firstMessage(token);
    }

    /** Flight 2 in, flight 3 out. */
    public byte[] onReply(byte[] reply) {
      return p.onReply(reply);
    }

    /** Flight 4 in: the bundle is ready. */
    public PreparedBundle finish(byte[] ack) {
      return new PreparedBundle(p.finish(ack));
    }

    /** Erases this preparation's secrets (after a failure). */
    public void discard() {
      p.discard();
    }
  }

  /**
   * Prepares {@code n} queries over {@code channel}: asks {@code permits} for a permission bound
   * to the bundle, then runs the four offline flights. On failure the channel is closed (so the
   * owner aborts too) and the material erased.
   *
   * @throws ProtocolAbortException if the owner refused (its reason is in the message when the
   *     channel carries one), a message was malformed, or the owner hung up
   */
  public PreparedBundle prepare(Channel channel, int n, PermitSource permits) {
    Preparation prep = beginPrepare(n);
    try {
      PermissionToken token = permits.permit(n, prep.binding());
      channel.send(prep.firstMessage(token));
      channel.send(prep.onReply(channel.receive()));
      return prep.finish(channel.receive());
    } catch (RuntimeException e) {
      prep.discard();
      channel.close();
      throw e;
    }
  }

  /**
   * Local steps of one online query on an encoded input (ring elements at {@code f} bits):
   * consumes the bundle's next unused query at once.
   *
   * @throws BundleExhaustedException if the bundle has no query left
   */
  public Query start(PreparedBundle bundle, long[] input) {
    return new Query(bundle.inner().start(input), artifact.manifest().format());
  }

  /** One online query as local steps: {@code message()}, {@code onReply(...)}, until done. */
  public static final class Query {
    private final UserProtocol.Query q;
    private final FixedPointFormat format;

    Query(UserProtocol.Query q, FixedPointFormat format) {
      this.q = q;
      this.format = format;
    }

    public boolean done() {
      return q.done();
    }

    /** The next message to the owner. */
    public byte[] message() {
      return q.message();
    }

    /** The owner's answer to the last message. */
    public void onReply(byte[] reply) {
      q.onReply(reply);
    }

    /** The result, once done. */
    public InferenceResult result() {
      if (!q.done()) {
        throw new IllegalStateException("the query has not finished");
      }
      return new InferenceResult(format, q.logits(), q.label());
    }

    /** Erases the query and discards its bundle (after a failure). */
    public void abandon() {
      q.abandon();
    }
  }

  /**
   * Runs one query over {@code channel} on a real-valued input (encoded at {@code f} bits).
   *
   * @throws BundleExhaustedException if the bundle has no query left
   * @throws ProtocolAbortException if a message is malformed or the owner hangs up; the bundle is
   *     then discarded and the channel closed
   */
  public InferenceResult infer(Channel channel, PreparedBundle bundle, double[] input) {
    FixedPointFormat fmt = artifact.manifest().format();
    long[] x = new long[input.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = fmt.encode(input[i]);
    }
    return infer(channel, bundle, x);
  }

  /** As {@link #infer(Channel, PreparedBundle, double[])} on an encoded input. */
  public InferenceResult infer(Channel channel, PreparedBundle bundle, long[] input) {
    UserProtocol.Query q = bundle.inner().start(input);
    try {
      while (!q.done()) {
        channel.send(q.message());
        q.onReply(channel.receive());
      }
      return new InferenceResult(artifact.manifest().format(), q.logits(), q.label());
    } catch (RuntimeException e) {
      q.abandon();
      channel.close();
      throw e;
    }
  }
}
