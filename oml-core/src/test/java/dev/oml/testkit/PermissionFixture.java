package dev.oml.testkit;

import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.LicenseeProof;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermissionUse;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.permission.VerifiedPermission;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;

/**
 * An owner with two licensees A and B, one model id each, a policy, an issuer and a verifier
 * sharing one hand-driven clock. Model ids are random here: permissions only need their bytes.
 */
public final class PermissionFixture {
  public static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  public final SecureRandom random;
  public final SigningKeyPair owner;
  public final SigningKeyPair licenseeA;
  public final SigningKeyPair licenseeB;
  public final ModelId modelA;
  public final ModelId modelB;
  public final MutableClock clock = new MutableClock(T0);
  public final PermissionPolicy policy;
  public final PermissionIssuer issuer;
  public final PermissionVerifier verifier;

  public PermissionFixture(long quotaA, long quotaB) {
    this(new SecureRandom(), quotaA, quotaB);
  }

  public PermissionFixture(SecureRandom random, long quotaA, long quotaB) {
    this.random = random;
    owner = SigningKeyPair.generate(random);
    licenseeA = SigningKeyPair.generate(random);
    licenseeB = SigningKeyPair.generate(random);
    modelA = ModelId.of(bytes(32));
    modelB = ModelId.of(bytes(32));
    policy = PermissionPolicy.builder()
        .licensee(licenseeA.publicKey(), quotaA)
        .licensee(licenseeB.publicKey(), quotaB)
        .model(modelA, licenseeA.keyId())
        .model(modelB, licenseeB.keyId())
        .maxInferencesPerPermission(10_000)
        .validity(Duration.ofMinutes(10))
        .maxClockSkew(Duration.ofSeconds(30))
        .build();
    issuer = new PermissionIssuer(owner, policy, clock, random);
    verifier = new PermissionVerifier(owner.publicKey(), policy, clock);
  }

  public byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** A permission for licensee A on model A, bound to {@code firstMessage}. */
  public PermissionToken issueA(InferenceMode mode, int n, byte[] firstMessage) {
    return issuer.issue(PermitRequest.create(licenseeA, modelA, mode, n,
        Binding.ofFirstMessage(firstMessage), clock.instant()));
  }

  /** Issues, proves and verifies one permission for A: what an owner service does per query. */
  public VerifiedPermission verifiedA(int n) {
    byte[] first = bytes(40);
    byte[] transcript = bytes(32);
    PermissionToken t = issueA(InferenceMode.TWO_PARTY, n, first);
    return verifier.verify(t, LicenseeProof.create(licenseeA, t, transcript),
        PermissionUse.of(modelA, InferenceMode.TWO_PARTY, n, first, transcript));
  }

  /** As {@link #verifiedA}, for licensee B on model B. */
  public VerifiedPermission verifiedB(int n) {
    byte[] first = bytes(40);
    byte[] transcript = bytes(32);
    PermissionToken t = issuer.issue(PermitRequest.create(licenseeB, modelB,
        InferenceMode.TWO_PARTY, n, Binding.ofFirstMessage(first), clock.instant()));
    return verifier.verify(t, LicenseeProof.create(licenseeB, t, transcript),
        PermissionUse.of(modelB, InferenceMode.TWO_PARTY, n, first, transcript));
  }
}
