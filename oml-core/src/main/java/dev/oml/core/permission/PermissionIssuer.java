package dev.oml.core.permission;

import dev.oml.core.keys.KeyId;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.keys.SigningPublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The owner's side of {@code Permit}: checks a licensee's signed {@link PermitRequest} against
 * the {@link PermissionPolicy} and signs a {@link PermissionToken} with a fresh random nonce, the
 * issue time and an expiry. Refusals are typed: an unknown or revoked licensee, a bad request
 * signature, a stale request, or a request the policy does not allow (mode, model, more
 * inferences than one permission or the quota may carry). The quota is only charged when a
 * permission is spent, by the ledger; the issuer merely refuses requests that cannot fit, in the
 * whole quota or (given a {@link ChargeView}) in what remains of it. Given an {@link AbortView},
 * it also refuses a licensee that the policy suspends for its aborted queries
 * ({@link LicenseeSuspendedException}).
 */
public final class PermissionIssuer {
  private final SigningKeyPair ownerKey;
  private final PermissionPolicy policy;
  private final Clock clock;
  private final SecureRandom random;
  private final ChargeView charges;
  private final AbortView aborts;

  /**
   * @param ownerKey the owner's signing key
   * @param clock the issuer's clock (injectable for tests)
   * @param random nonce source; pass a {@link SecureRandom}
   */
  public PermissionIssuer(SigningKeyPair ownerKey, PermissionPolicy policy, Clock clock,
      SecureRandom random) {
    this(ownerKey, policy, clock, random, licensee -> 0);
  }

  /**
   * An issuer that also refuses requests that no longer fit in what remains of the licensee's
   * quota according to {@code charges} (pass {@code ledger::charged}).
   */
  public PermissionIssuer(SigningKeyPair ownerKey, PermissionPolicy policy, Clock clock,
      SecureRandom random, ChargeView charges) {
    this(ownerKey, policy, clock, random, charges, licensee -> 0);
  }

  /**
   * An issuer that refuses requests that no longer fit in the remaining quota ({@code charges},
   * pass {@code ledger::charged}) and requests of suspended licensees ({@code aborts}, pass
   * {@code licensee -> ledger.aborts(licensee).count()}).
   */
  public PermissionIssuer(SigningKeyPair ownerKey, PermissionPolicy policy, Clock clock,
      SecureRandom random, ChargeView charges, AbortView aborts) {
    this.ownerKey = Objects.requireNonNull(ownerKey, "ownerKey");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.charges = Objects.requireNonNull(charges, "charges");
    this.aborts = Objects.requireNonNull(aborts, "aborts");
  }

  /** The public key verifiers need. */
  public SigningPublicKey ownerPublicKey() {
    return ownerKey.publicKey();
  }

  /**
   * Issues a permission for a signed request.
   *
   * @throws UnknownLicenseeException if the requester is not on the allow-list
   * @throws InvalidSignatureException if the request's signature does not verify
   * @throws PolicyViolationException if the policy does not allow this request
   * @throws LicenseeSuspendedException if the licensee has as many aborts as the policy allows
   */
  public PermissionToken issue(PermitRequest request) {
    KeyId licensee = request.licensee();
    SigningPublicKey key = policy.licenseeKey(licensee).orElseThrow(() ->
        new UnknownLicenseeException("licensee " + licensee + " is not on the owner's allow-list"));
    if (!request.signatureValid(key)) {
      throw new InvalidSignatureException("the permit request's signature does not verify under "
          + "the key of licensee " + licensee);
    }
    long aborted = aborts.aborts(licensee);
    if (policy.suspends(aborted)) {
      throw new LicenseeSuspendedException(licensee, aborted, policy.maxAborts());
    }
    Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
    Duration age = Duration.between(request.requestedAt(), now).abs();
    if (age.compareTo(policy.maxClockSkew().plusSeconds(1)) > 0) {
      throw new PolicyViolationException("the permit request was made at " + request.requestedAt()
          + ", too far from the owner's time " + now + "; check the clock and ask again");
    }
    KeyId owner = policy.licenseeOf(request.modelId()).orElseThrow(() ->
        new PolicyViolationException("the owner does not serve model " + request.modelId()));
    if (!owner.equals(licensee)) {
      throw new PolicyViolationException("model " + request.modelId()
          + " was not OMLized for licensee " + licensee);
    }
    policy.requireMode(licensee, request.mode());
    int n = request.inferences();
    if (n > policy.maxInferencesPerPermission()) {
      throw new PolicyViolationException(n + " inferences exceed the " + policy.maxInferencesPerPermission()
          + " one permission may carry; ask for several permissions");
    }
    long quota = policy.quotaOf(licensee);
    if (n > quota) {
      throw new PolicyViolationException(n + " inferences exceed licensee " + licensee
          + "'s whole quota of " + quota);
    }
    long charged = charges.charged(licensee);
    if (charged > quota - n) {
      throw new PolicyViolationException("licensee " + licensee + " has used " + charged + " of its "
          + quota + " inferences; " + n + " more do not fit");
    }
    byte[] nonce = new byte[PermissionClaims.NONCE_BYTES];
    random.nextBytes(nonce);
    PermissionClaims claims = new PermissionClaims(request.modelId(), licensee, request.mode(), n,
        request.binding(), nonce, now, now.plus(policy.validity()));
    byte[] c = claims.encode();
    return new PermissionToken(c, claims, ownerKey.sign(c));
  }
}
