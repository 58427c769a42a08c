package dev.oml.he.inference;

import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.HeBackend;
import java.util.function.Function;

/**
 * The user's side of the HE mode over a {@link Channel} to the owner's
 * {@code dev.oml.service.modes.HeInferenceService}: {@link #connect} answers the owner's challenge with a session
 * request signed by the licensee's key, receives the plan and sends the session keys;
 * {@link #infer} encrypts images, obtains a permission bound to the query's payload from
 * {@code permits} (the owner's permit desk, or a test issuer), sends the permitted query and
 * decrypts the answer. One round per query. A client that chooses the packing (where the owner
 * serves a model in both) opens in two steps: {@link #request} asks for a packing and returns the
 * plan the owner offers, {@link PlanOffer#accept} makes that plan's keys.
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
    return request(channel, licensee, model, null, false, insecureForTesting).accept(backend);
  }

  /**
   * The first half of opening a session, for a client that chooses the packing: answers the
   * owner's challenge with a session request for {@code model} that asks for {@code packing}
   * (null: the owner's choice), and receives the plan. The owner answers with that packing's
   * plan if it serves it; otherwise, unless {@code required}, with the plan of the one packing
   * it serves, so {@link PlanOffer#plan()} tells which packing the session would have. {@link
   * PlanOffer#accept} makes the session keys for that plan and sends them; a caller that does
   * not want the plan {@linkplain PlanOffer#decline declines} it and closes the channel (no key
   * was made, nothing was charged).
   *
   * @throws MalformedQueryException if the challenge or the plan does not decode, or the plan is
   *     for another model
   * @throws dev.oml.core.transport.ProtocolAbortException if the owner refuses the licensee,
   *     serves no HE model of that id, or (with {@code required}) not in that packing
   */
  public static PlanOffer request(Channel channel, SigningKeyPair licensee, ModelId model,
      HePacking packing, boolean required) {
    return request(channel, licensee, model, packing, required, false);
  }

  /** Like {@link #request}, but the plan may use INSECURE test parameters: for tests only. */
  public static PlanOffer requestInsecureForTesting(Channel channel, SigningKeyPair licensee,
      ModelId model, HePacking packing, boolean required) {
    return request(channel, licensee, model, packing, required, true);
  }

  private static PlanOffer request(Channel channel, SigningKeyPair licensee, ModelId model,
      HePacking packing, boolean required, boolean insecureForTesting) {
    byte[] challenge = channel.receive(HeOwnerSession.CHALLENGE_BYTES);
    if (challenge.length != HeOwnerSession.CHALLENGE_BYTES) {
      throw new MalformedQueryException("HE challenge: " + challenge.length + " bytes, expected "
          + HeOwnerSession.CHALLENGE_BYTES);
    }
    channel.send(HeOwnerSession.sessionRequest(licensee, challenge, model, packing, required));
    byte[] planBytes = channel.receive();
    HeInferencePlan plan = HeInferencePlan.decode(planBytes);
    if (!model.equals(HeOwnerSession.ONLY_MODEL) && !plan.modelId().equals(model)) {
      throw new MalformedQueryException("HE plan: for model " + plan.modelId()
          + ", the session asked for " + model);
    }
    if (required && plan.packing() != packing) {
      throw new MalformedQueryException("HE plan: the " + plan.packing() + " packing, the"
          + " session required " + packing);
    }
    return new PlanOffer(channel, licensee, planBytes, plan, insecureForTesting);
  }

  /** The owner's plan, received after the session request; see {@link #request}. */
  public static final class PlanOffer {
    private final Channel channel;
    private final SigningKeyPair licensee;
    private final byte[] planBytes;
    private final HeInferencePlan plan;
    private final boolean insecureForTesting;
    private boolean answered;

    private PlanOffer(Channel channel, SigningKeyPair licensee, byte[] planBytes,
        HeInferencePlan plan, boolean insecureForTesting) {
      this.channel = channel;
      this.licensee = licensee;
      this.planBytes = planBytes;
      this.plan = plan;
      this.insecureForTesting = insecureForTesting;
    }

    /** The plan the owner offers (its packing says which one the owner chose). */
    public HeInferencePlan plan() {
      return plan;
    }

    /**
     * Opens the session on this plan: makes the session keys (the plan's own: a batch plan
     * needs no rotation key) and sends them. Once only.
     *
     * @throws MalformedQueryException if the plan is below 128-bit security (unless requested
     *     for tests) or does not decode under {@code backend}; the plan is then declined
     *     ({@link HePlanDecline#PARAMETERS_REFUSED}) and the caller closes the channel
     * @throws IllegalStateException if the plan was accepted or declined already
     */
    public HeInferenceClient accept(HeBackend backend) {
      answer();
      HeUserSession s;
      try {
        s = insecureForTesting
            ? HeUserSession.openInsecureForTesting(backend, planBytes)
            : HeUserSession.open(backend, planBytes);
      } catch (MalformedQueryException e) {
        try {
          HeOwnerSession.sendDecline(channel, HePlanDecline.PARAMETERS_REFUSED);
        } catch (ProtocolAbortException ignored) {
          // the owner learns it from the closed channel instead; the refusal is what matters
        }
        throw e;
      }
      HeOwnerSession.sendKeys(channel, s.sessionKeys());
      return new HeInferenceClient(channel, s, licensee);
    }

    /**
     * Declines the plan: tells the owner why, in place of the session keys; the caller then
     * closes the channel. No key is made and nothing is charged, and the owner logs the session
     * as declined rather than failed.
     *
     * @throws IllegalStateException if the plan was accepted or declined already
     * @throws ProtocolAbortException if the message cannot be sent
     */
    public void decline(HePlanDecline reason) {
      java.util.Objects.requireNonNull(reason, "reason");
      answer();
      HeOwnerSession.sendDecline(channel, reason);
    }

    private void answer() {
      if (answered) {
        throw new IllegalStateException("this plan was accepted or declined already");
      }
      answered = true;
    }
  }

  public HeUserSession session() {
    return session;
  }

  /**
   * Runs one query.
   *
   * @param permits given the query, a permission for the homomorphic mode for its image count
   *     whose binding is {@link HeQuery#binding()}
   */
  public HeResult infer(double[][] images, Function<HeQuery, PermissionToken> permits) {
    HeQuery q = session.encrypt(images);
    PermissionToken t = permits.apply(q);
    // The payload stays where the query holds it: wrapped, not copied, and a batch query
    // streamed in parts from it rather than built into one more array.
    PermittedQuery first = PermittedQuery.create(licensee, t, q.payloadView());
    lastQueryBytes = first.encodedLength();
    if (session.plan().packing() == HePacking.BATCH) {
      HeOwnerSession.sendQuery(channel, first);
    } else {
      channel.send(first.encode());
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
