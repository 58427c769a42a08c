package dev.oml.core.permission;

import dev.oml.core.keys.KeyId;
import dev.oml.core.keys.SigningPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * The owner-side check that turns a presented permission into a {@link VerifiedPermission}, the
 * only way to obtain one. In order: the owner's signature over the claims; the licensee still on
 * the allow-list; the licensee's proof of possession over the nonce, the permission and this
 * session's transcript hash; model, mode, number of inferences and binding equal to the
 * {@link PermissionUse}; issue time not in the future and expiry not passed, each with the
 * policy's bounded clock skew. Each failure raises its own {@link PermissionException} subclass.
 * Verification does not spend: the caller passes the result to a ledger before any work.
 */
public final class PermissionVerifier {
  private final SigningPublicKey ownerKey;
  private final PermissionPolicy policy;
  private final Clock clock;

  /**
   * @param ownerKey the owner's public key (permissions are signed with its private half)
   * @param policy the allow-list and clock-skew bound
   * @param clock the verifier's clock (injectable for tests)
   */
  public PermissionVerifier(SigningPublicKey ownerKey, PermissionPolicy policy, Clock clock) {
    this.ownerKey = Objects.requireNonNull(ownerKey, "ownerKey");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The policy permissions are verified against. */
  public PermissionPolicy policy() {
    return policy;
  }

  /** Decodes, then verifies as {@link #verify(PermissionToken, LicenseeProof, PermissionUse)}. */
  public VerifiedPermission verify(byte[] token, byte[] proof, PermissionUse use) {
    return verify(PermissionToken.decode(token), LicenseeProof.decode(proof), use);
  }

  /**
   * Verifies a permission for one use.
   *
   * @throws PermissionException (a subclass naming the reason) if it must be refused
   */
  public VerifiedPermission verify(PermissionToken token, LicenseeProof proof, PermissionUse use) {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(use, "use");
    if (!token.signatureValid(ownerKey)) {
      throw new InvalidSignatureException("the permission is not signed by this owner");
    }
    PermissionClaims c = token.unverifiedClaims();
    SigningPublicKey licenseeKey = policy.licenseeKey(c.licensee()).orElseThrow(() ->
        new UnknownLicenseeException("licensee " + c.licensee() + " is not (or no longer) allowed"));
    if (proof == null || !proof.valid(licenseeKey, token, use.transcriptHash())) {
      throw new LicenseeProofException("no valid proof of possession by licensee " + c.licensee()
          + " for this permission in this session");
    }
    if (!c.modelId().equals(use.modelId())) {
      throw new PermissionMismatchException(PermissionMismatchException.Field.MODEL,
          "the permission is for model " + c.modelId() + ", not " + use.modelId());
    }
    if (c.mode() != use.mode()) {
      throw new PermissionMismatchException(PermissionMismatchException.Field.MODE,
          "the permission is for mode " + c.mode() + ", not " + use.mode());
    }
    // a permission issued before the owner took the mode from this licensee stops here
    policy.requireMode(c.licensee(), c.mode());
    if (c.inferences() != use.inferences()) {
      throw new PermissionMismatchException(PermissionMismatchException.Field.INFERENCES,
          "the permission is for " + c.inferences() + " inferences, the query asks for "
              + use.inferences());
    }
    if (!c.binding().equals(use.binding())) {
      throw new PermissionMismatchException(PermissionMismatchException.Field.BINDING,
          "the permission is bound to another first message");
    }
    Instant now = clock.instant();
    if (c.issuedAt().isAfter(now.plus(policy.maxClockSkew()))) {
      throw new PermissionNotYetValidException("the permission is issued at " + c.issuedAt()
          + ", after the owner's time " + now + " plus the allowed skew");
    }
    if (!now.minus(policy.maxClockSkew()).isBefore(c.expiresAt())) {
      throw new PermissionExpiredException("the permission expired at " + c.expiresAt()
          + "; ask for a new one");
    }
    return new VerifiedPermission(c, now);
  }

  /**
   * Authenticates a licensee that opens a session before it presents any permission (the HE
   * mode's session start): the licensee must be on the allow-list, {@code model} must be one the
   * policy assigns to it, and {@code signature} must be its Ed25519 signature over {@code signed},
   * which the caller makes fresh (a random challenge) so a recorded signature is worthless, and
   * the policy must allow the licensee the session's {@code mode}.
   *
   * @throws UnknownLicenseeException if the licensee is not (or no longer) allowed
   * @throws PolicyViolationException if the model is not the licensee's
   * @throws ModeNotAllowedException if the policy does not allow it {@code mode}
   * @throws LicenseeProofException if the signature does not verify
   */
  public void authenticateLicensee(KeyId licensee, dev.oml.core.omlize.ModelId model,
      InferenceMode mode, byte[] signed, byte[] signature) {
    Objects.requireNonNull(licensee, "licensee");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(signed, "signed");
    Objects.requireNonNull(signature, "signature");
    SigningPublicKey key = policy.licenseeKey(licensee).orElseThrow(() ->
        new UnknownLicenseeException("licensee " + licensee + " is not (or no longer) allowed"));
    if (!policy.licenseeOf(model).map(licensee::equals).orElse(false)) {
      throw new PolicyViolationException("model " + model + " is not licensed to " + licensee);
    }
    if (!key.verify(signed, signature)) {
      throw new LicenseeProofException("the session request is not signed by licensee " + licensee);
    }
    policy.requireMode(licensee, mode);
  }
}
