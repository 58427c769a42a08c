package dev.oml.core.permission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.SigningKeyPair;
import dev.oml.testkit.PermissionFixture;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The owner's per-licensee modes: a licensee the owner allows only the two-party mode is refused
 * an HE permission at the permit desk, an HE session at its start, and, at the verifier, an HE
 * permission issued under a policy without the restriction (the attack test: the same permission
 * verifies where the policy does not restrict the licensee). Other licensees keep every mode.
 */
class LicenseeModesTest {
  private final PermissionFixture fx = new PermissionFixture(1000, 1000);

  private PermissionPolicy twoPartyOnlyForA() {
    return PermissionPolicy.builder()
        .licensee(fx.licenseeA.publicKey(), 1000).licensee(fx.licenseeB.publicKey(), 1000)
        .model(fx.modelA, fx.licenseeA.keyId()).model(fx.modelB, fx.licenseeB.keyId())
        .licenseeModes(fx.licenseeA.keyId(), Set.of(InferenceMode.TWO_PARTY))
        .maxInferencesPerPermission(10_000).validity(Duration.ofMinutes(10))
        .maxClockSkew(Duration.ofSeconds(30)).build();
  }

  @Test
  void thePolicyAnswersPerLicensee() {
    PermissionPolicy p = twoPartyOnlyForA();
    assertFalse(p.allows(fx.licenseeA.keyId(), InferenceMode.HOMOMORPHIC));
    assertTrue(p.allows(fx.licenseeA.keyId(), InferenceMode.TWO_PARTY));
    assertTrue(p.allows(fx.licenseeB.keyId(), InferenceMode.HOMOMORPHIC));
    assertEquals(EnumSet.of(InferenceMode.TWO_PARTY), p.modesOf(fx.licenseeA.keyId()));
    // a per-licensee list cannot widen what the policy allows everyone
    PermissionPolicy narrow = PermissionPolicy.builder()
        .licensee(fx.licenseeA.publicKey(), 10).modes(Set.of(InferenceMode.TWO_PARTY))
        .licenseeModes(fx.licenseeA.keyId(), EnumSet.allOf(InferenceMode.class)).build();
    assertFalse(narrow.allows(fx.licenseeA.keyId(), InferenceMode.HOMOMORPHIC));
  }

  @Test
  void theDeskRefusesAnHePermitAndStillIssuesTheTwoPartyOne() {
    PermissionIssuer desk = new PermissionIssuer(fx.owner, twoPartyOnlyForA(), fx.clock,
        fx.random);
    PermitRequest he = PermitRequest.create(fx.licenseeA, fx.modelA, InferenceMode.HOMOMORPHIC, 1,
        Binding.ofFirstMessage(fx.bytes(40)), fx.clock.instant());
    ModeNotAllowedException e = assertThrows(ModeNotAllowedException.class,
        () -> desk.issue(he));
    assertTrue(e.getMessage().contains("HOMOMORPHIC") && e.getMessage().contains("licensee"),
        e.getMessage());
    desk.issue(PermitRequest.create(fx.licenseeA, fx.modelA, InferenceMode.TWO_PARTY, 1,
        Binding.ofFirstMessage(fx.bytes(40)), fx.clock.instant()));
    desk.issue(PermitRequest.create(fx.licenseeB, fx.modelB, InferenceMode.HOMOMORPHIC, 1,
        Binding.ofFirstMessage(fx.bytes(40)), fx.clock.instant()));
  }

  @Test
  void anHePermitFromBeforeTheRestrictionIsRefusedByTheVerifier() {
    byte[] first = fx.bytes(60);
    byte[] transcript = fx.bytes(32);
    // issued while the policy allowed A every mode
    PermissionToken t = fx.issueA(InferenceMode.HOMOMORPHIC, 2, first);
    LicenseeProof proof = LicenseeProof.create(fx.licenseeA, t, transcript);
    PermissionUse use = PermissionUse.of(fx.modelA, InferenceMode.HOMOMORPHIC, 2, first,
        transcript);
    // the check off (a verifier whose policy does not restrict A): the permission is good
    assertEquals(2, fx.verifier.verify(t, proof, use).inferences());
    // the check on
    PermissionVerifier strict = new PermissionVerifier(fx.owner.publicKey(), twoPartyOnlyForA(),
        fx.clock);
    assertThrows(ModeNotAllowedException.class, () -> strict.verify(t, proof, use));
  }

  @Test
  void anHeSessionOfALicenseeWithoutHeIsRefusedAtAuthentication() {
    PermissionVerifier strict = new PermissionVerifier(fx.owner.publicKey(), twoPartyOnlyForA(),
        fx.clock);
    byte[] challenge = fx.bytes(36);
    byte[] sigA = fx.licenseeA.sign(challenge);
    assertThrows(ModeNotAllowedException.class, () -> strict.authenticateLicensee(
        fx.licenseeA.keyId(), fx.modelA, InferenceMode.HOMOMORPHIC, challenge, sigA));
    strict.authenticateLicensee(fx.licenseeA.keyId(), fx.modelA, InferenceMode.TWO_PARTY,
        challenge, sigA);
    // the check off: the same request authenticates
    fx.verifier.authenticateLicensee(fx.licenseeA.keyId(), fx.modelA, InferenceMode.HOMOMORPHIC,
        challenge, sigA);
    // a signature by someone else is still a proof failure first
    SigningKeyPair other = SigningKeyPair.generate(fx.random);
    assertThrows(LicenseeProofException.class, () -> strict.authenticateLicensee(
        fx.licenseeA.keyId(), fx.modelA, InferenceMode.HOMOMORPHIC, challenge,
        other.sign(challenge)));
  }
}
