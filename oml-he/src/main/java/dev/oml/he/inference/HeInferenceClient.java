package dev.oml.he.inference;

import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.Channel;
import dev.oml.he.HeBackend;
import java.util.function.Function;

/**
 * The user's side of the HE mode over a {@link Channel} to the owner's
 * {@code dev.oml.service.modes.HeInferenceService}: {@link #connect} answers the owner's challenge with a session
 * request signed by the licensee's key, receives the plan and sends the session keys;
 * {@link #infer} encrypts images, obtains a permission bound to the query's payload from
 * {@code permits} (the owner's permit desk, or a test issuer), sends the permitted query and
 * decrypts the answer. One round per query.
 */
public final class HeInferenceClient {
  private final Channel channel;
  private final HeUserSession session;
  private final SigningKeyPair licensee;
  private long lastQueryBytes;
  private long lastAnswerBytes;

  private HeInferenceClient(Channel channel, HeUserSession session, SigningKeyPair licensee) {
    this.channel = channel;
    this.session = session;
    this.licensee = licensee;
  }

  /**
   * Opens a session (once per session): answers the owner's challenge with a session request
   * signed by {@code licensee}, receives the plan, makes keys and sends them.
   *
   * @throws MalformedQueryException if the challenge or the plan does not decode, or the plan is
   *     below 128-bit security
   * @throws dev.oml.core.transport.ProtocolAbortException if the owner refuses the licensee
   */
  public static HeInferenceClient connect(Channel channel, HeBackend backend,
      SigningKeyPair licensee) {
    return connect(channel, backend, licensee, HeOwnerSession.ONLY_MODEL, false);
  }

  /**
   * Opens a session for the model {@code model} of an owner who may serve several HE models:
   * the session request names it, and the owner answers with that model's plan.
   *
   * @throws MalformedQueryException if the challenge or the plan does not decode, the plan is
   *     for another model, or it is below 128-bit security
   * @throws dev.oml.core.transport.ProtocolAbortException if the owner refuses the licensee or
   *     serves no HE model of that id
   */
  public static HeInferenceClient connect(Channel channel, HeBackend backend,
      SigningKeyPair licensee, ModelId model) {
    return connect(channel, backend, licensee, model, false);
  }

  /**
   * Like {@link #connect(Channel, HeBackend, SigningKeyPair)}, but accepts INSECURE test
   * parameters: for tests only (as {@link HeUserSession#openInsecureForTesting}).
   */
  public static HeInferenceClient connectInsecureForTesting(Channel channel, HeBackend backend,
      SigningKeyPair licensee) {
    return connect(channel, backend, licensee, HeOwnerSession.ONLY_MODEL, true);
  }

  /** Like {@link #connect(Channel, HeBackend, SigningKeyPair, ModelId)}; for tests only. */
  public static HeInferenceClient connectInsecureForTesting(Channel channel, HeBackend backend,
      SigningKeyPair licensee, ModelId model) {
    return connect(channel, backend, licensee, model, true);
  }

  static HeInferenceClient connect(Channel channel, HeBackend backend, SigningKeyPair licensee,
      ModelId model, boolean insecureForTesting) {
    byte[] challenge = channel.receive(HeOwnerSession.CHALLENGE_BYTES);
    if (challenge.length != HeOwnerSession.CHALLENGE_BYTES) {
      throw new MalformedQueryException("HE challenge: " + challenge.length + " bytes, expected "
          + HeOwnerSession.CHALLENGE_BYTES);
    }
    channel.send(HeOwnerSession.sessionRequest(licensee, challenge, model));
    byte[] plan = channel.receive();
    HeUserSession s = insecureForTesting ? HeUserSession.openInsecureForTesting(backend, plan)
        : HeUserSession.open(backend, plan);
    if (!model.equals(HeOwnerSession.ONLY_MODEL) && !s.plan().modelId().equals(model)) {
      throw new MalformedQueryException("HE plan: for model " + s.plan().modelId()
          + ", the session asked for " + model);
    }
    HeOwnerSession.sendKeys(channel, s.sessionKeys());
    return new HeInferenceClient(channel, s, licensee);
  }

  public HeUserSession session() {
    return session;
  }

  /**
   * Runs one query.
   *
   * @param permits given the payload bytes and the image count, a permission for the
   *     homomorphic mode whose binding is the payload's hash
   */
  public HeResult infer(double[][] images, Function<HeQuery, PermissionToken> permits) {
    HeQuery q = session.encrypt(images);
    PermissionToken t = permits.apply(q);
    byte[] first = PermittedQuery.create(licensee, t, q.payload()).encode();
    lastQueryBytes = first.length;
    if (session.plan().packing() == HePacking.BATCH) {
      HeOwnerSession.sendQuery(channel, first);
    } else {
      channel.send(first);
    }
    byte[] answer = channel.receive();
    lastAnswerBytes = answer.length;
    return session.decrypt(q, answer);
  }

  /** Bytes of the last query's first message (permission, proof and payload). */
  public long lastQueryBytes() {
    return lastQueryBytes;
  }

  public long lastAnswerBytes() {
    return lastAnswerBytes;
  }

  /** Size of the once-per-session keys message. */
  public long sessionKeyBytes() {
    return session.sessionKeys().length;
  }
}
