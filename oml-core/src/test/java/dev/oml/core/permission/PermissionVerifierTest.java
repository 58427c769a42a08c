package dev.oml.core.permission;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.omlize.ModelId;
import dev.oml.testkit.PermissionFixture;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The permission-forgery game, one refusal at a time: every single-bit change of a permission or
 * of the licensee's proof, a permission used for another model, licensee, mode, count or first
 * message, presented without (or with the wrong) proof, outside its validity window, or by a
 * revoked licensee. Each test first shows the same permission verifying for its own use, so a
 * refusal is never an accident of the setup.
 */
class PermissionVerifierTest {
  private final PermissionFixture fx = new PermissionFixture(1000, 1000);
  private final byte[] first = fx.bytes(100);
  private final byte[] transcript = fx.bytes(32);
  private final PermissionToken token = fx.issueA(InferenceMode.TWO_PARTY, 5, first);
  private final PermissionUse use = PermissionUse.of(fx.modelA, InferenceMode.TWO_PARTY, 5, first, transcript);
  private final LicenseeProof proof = LicenseeProof.create(fx.licenseeA, token, transcript);

  @Test
  void validPermissionVerifiesAndCarriesItsClaims() {
    VerifiedPermission v = fx.verifier.verify(token, proof, use);
    assertEquals(fx.modelA, v.modelId());
    assertEquals(fx.licenseeA.keyId(), v.licensee());
    assertEquals(InferenceMode.TWO_PARTY, v.mode());
    assertEquals(5, v.inferences());
    assertEquals(Binding.ofFirstMessage(first), v.binding());
    assertArrayEquals(token.unverifiedClaims().nonce(), v.nonce());
    assertEquals(PermissionFixture.T0.plus(Duration.ofMinutes(10)), v.expiresAt());
    // and through the byte-level entry point an owner service uses
    fx.verifier.verify(token.encode(), proof.encode(), use);
  }

  @Test
  void everySingleBitFlipOfThePermissionIsRefused() {
    fx.verifier.verify(token, proof, use);
    byte[] good = token.encode();
    assertEquals(PermissionToken.BYTES, good.length);
    int refused = 0;
    for (int bit = 0; bit < good.length * 8; bit++) {
      byte[] bad = good.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      // the licensee signs whatever it is given: the owner's signature must be what stops it
      assertThrows(PermissionException.class, () -> {
        PermissionToken t = PermissionToken.decode(bad);
        fx.verifier.verify(t, LicenseeProof.create(fx.licenseeA, t, transcript), use);
      }, "bit " + bit);
      refused++;
    }
    assertEquals(good.length * 8, refused);
  }

  @Test
  void everySingleBitFlipOfTheProofIsRefused() {
    byte[] good = proof.encode();
    for (int bit = 0; bit < good.length * 8; bit++) {
      byte[] bad = good.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThrows(LicenseeProofException.class,
          () -> fx.verifier.verify(token.encode(), bad, use), "bit " + bit);
    }
  }

  @Test
  void malformedEncodingsAreRefusedBeforeAnySignature() {
    byte[] good = token.encode();
    assertThrows(MalformedPermissionException.class,
        () -> PermissionToken.decode(java.util.Arrays.copyOf(good, good.length - 1)));
    assertThrows(MalformedPermissionException.class,
        () -> PermissionToken.decode(java.util.Arrays.copyOf(good, good.length + 1)));
    assertThrows(MalformedPermissionException.class, () -> LicenseeProof.decode(new byte[63]));
    byte[] mode = good.clone();
    mode[16 + 32 + 32] = 9;
    assertThrows(MalformedPermissionException.class, () -> PermissionToken.decode(mode));
  }

  @Test
  void permissionForModelAIsRefusedForModelB() {
    PermissionUse other = PermissionUse.of(fx.modelB, InferenceMode.TWO_PARTY, 5, first, transcript);
    PermissionMismatchException e = assertThrows(PermissionMismatchException.class,
        () -> fx.verifier.verify(token, proof, other));
    assertEquals(PermissionMismatchException.Field.MODEL, e.field());
  }

  @Test
  void permissionForModeAIsRefusedForModeB() {
    PermissionUse other = PermissionUse.of(fx.modelA, InferenceMode.HOMOMORPHIC, 5, first, transcript);
    assertEquals(PermissionMismatchException.Field.MODE, assertThrows(PermissionMismatchException.class,
        () -> fx.verifier.verify(token, proof, other)).field());
  }

  @Test
  void permissionForCountAIsRefusedForCountB() {
    for (int n : new int[] {4, 6, 1, 500}) {
      PermissionUse other = PermissionUse.of(fx.modelA, InferenceMode.TWO_PARTY, n, first, transcript);
      assertEquals(PermissionMismatchException.Field.INFERENCES,
          assertThrows(PermissionMismatchException.class, () -> fx.verifier.verify(token, proof, other)).field());
    }
  }

  @Test
  void permissionForBindingAIsRefusedForBindingB() {
    byte[] changed = first.clone();
    changed[99] ^= 1;
    PermissionUse other = PermissionUse.of(fx.modelA, InferenceMode.TWO_PARTY, 5, changed, transcript);
    assertEquals(PermissionMismatchException.Field.BINDING,
        assertThrows(PermissionMismatchException.class, () -> fx.verifier.verify(token, proof, other)).field());
  }

  @Test
  void permissionOfLicenseeAIsWorthlessToLicenseeB() {
    // B copies A's permission and proves possession with its own key: refused.
    LicenseeProof byB = LicenseeProof.create(fx.licenseeB, token, transcript);
    assertThrows(LicenseeProofException.class, () -> fx.verifier.verify(token, byB, use));
    // An outsider with a fresh key: refused likewise.
    LicenseeProof byStranger = LicenseeProof.create(SigningKeyPair.generate(fx.random), token, transcript);
    assertThrows(LicenseeProofException.class, () -> fx.verifier.verify(token, byStranger, use));
  }

  @Test
  void permissionWithoutProofIsRefused() {
    assertThrows(LicenseeProofException.class, () -> fx.verifier.verify(token, null, use));
  }

  @Test
  void proofFromAnotherSessionIsRefused() {
    // A's own proof, but made for another session transcript (a captured proof replayed).
    PermissionUse otherSession = PermissionUse.of(fx.modelA, InferenceMode.TWO_PARTY, 5, first, fx.bytes(32));
    assertThrows(LicenseeProofException.class, () -> fx.verifier.verify(token, proof, otherSession));
    // A proof for another permission of A does not carry over either.
    PermissionToken second = fx.issueA(InferenceMode.TWO_PARTY, 5, first);
    LicenseeProof forSecond = LicenseeProof.create(fx.licenseeA, second, transcript);
    assertThrows(LicenseeProofException.class, () -> fx.verifier.verify(token, forSecond, use));
    fx.verifier.verify(second, forSecond, use);
  }

  @Test
  void permissionSignedByAnotherOwnerIsRefused() {
    SigningKeyPair mallory = SigningKeyPair.generate(fx.random);
    PermissionIssuer forger = new PermissionIssuer(mallory, fx.policy, fx.clock, fx.random);
    PermissionToken forged = forger.issue(PermitRequest.create(fx.licenseeA, fx.modelA,
        InferenceMode.TWO_PARTY, 5, Binding.ofFirstMessage(first), fx.clock.instant()));
    assertThrows(InvalidSignatureException.class, () -> fx.verifier.verify(forged,
        LicenseeProof.create(fx.licenseeA, forged, transcript), use));
  }

  @Test
  void expiredPermissionIsRefusedOnlyBeyondTheSkew() {
    Duration skew = fx.policy.maxClockSkew();
    fx.clock.set(token.unverifiedClaims().expiresAt().plus(skew).minusSeconds(1));
    fx.verifier.verify(token, proof, use);
    fx.clock.set(token.unverifiedClaims().expiresAt().plus(skew));
    assertThrows(PermissionExpiredException.class, () -> fx.verifier.verify(token, proof, use));
    fx.clock.advance(Duration.ofDays(365));
    assertThrows(PermissionExpiredException.class, () -> fx.verifier.verify(token, proof, use));
  }

  @Test
  void notYetValidPermissionIsRefusedOnlyBeyondTheSkew() {
    Duration skew = fx.policy.maxClockSkew();
    fx.clock.set(token.unverifiedClaims().issuedAt().minus(skew));
    fx.verifier.verify(token, proof, use);
    fx.clock.set(token.unverifiedClaims().issuedAt().minus(skew).minusSeconds(1));
    assertThrows(PermissionNotYetValidException.class, () -> fx.verifier.verify(token, proof, use));
  }

  @Test
  void revokedLicenseeIsRefused() {
    PermissionPolicy revoked = PermissionPolicy.builder().licensee(fx.licenseeB.publicKey(), 10).build();
    PermissionVerifier v = new PermissionVerifier(fx.owner.publicKey(), revoked, fx.clock);
    assertThrows(UnknownLicenseeException.class, () -> v.verify(token, proof, use));
  }

  @Test
  void issuerRefusesWhatThePolicyDoesNotAllow() {
    Binding b = Binding.ofFirstMessage(first);
    // B asks for A's model
    assertThrows(PolicyViolationException.class, () -> fx.issuer.issue(PermitRequest.create(
        fx.licenseeB, fx.modelA, InferenceMode.TWO_PARTY, 1, b, fx.clock.instant())));
    // unknown model
    assertThrows(PolicyViolationException.class, () -> fx.issuer.issue(PermitRequest.create(
        fx.licenseeA, ModelId.of(fx.bytes(32)), InferenceMode.TWO_PARTY, 1, b, fx.clock.instant())));
    // more than the whole quota
    assertThrows(PolicyViolationException.class, () -> fx.issuer.issue(PermitRequest.create(
        fx.licenseeA, fx.modelA, InferenceMode.TWO_PARTY, 1001, b, fx.clock.instant())));
    // stale request
    assertThrows(PolicyViolationException.class, () -> fx.issuer.issue(PermitRequest.create(
        fx.licenseeA, fx.modelA, InferenceMode.TWO_PARTY, 1, b, fx.clock.instant().minusSeconds(600))));
    // unknown requester
    SigningKeyPair stranger = SigningKeyPair.generate(fx.random);
    assertThrows(UnknownLicenseeException.class, () -> fx.issuer.issue(PermitRequest.create(
        stranger, fx.modelA, InferenceMode.TWO_PARTY, 1, b, fx.clock.instant())));
    // mode not allowed
    PermissionPolicy heOnly = PermissionPolicy.builder().licensee(fx.licenseeA.publicKey(), 10)
        .model(fx.modelA, fx.licenseeA.keyId()).modes(Set.of(InferenceMode.HOMOMORPHIC)).build();
    PermissionIssuer i = new PermissionIssuer(fx.owner, heOnly, fx.clock, fx.random);
    assertThrows(ModeNotAllowedException.class, () -> i.issue(PermitRequest.create(
        fx.licenseeA, fx.modelA, InferenceMode.TWO_PARTY, 1, b, fx.clock.instant())));
    i.issue(PermitRequest.create(fx.licenseeA, fx.modelA, InferenceMode.HOMOMORPHIC, 1, b, fx.clock.instant()));
  }

  @Test
  void everySingleBitFlipOfAPermitRequestIsRefused() {
    byte[] good = PermitRequest.create(fx.licenseeA, fx.modelA, InferenceMode.TWO_PARTY, 3,
        Binding.ofFirstMessage(first), fx.clock.instant()).encode();
    fx.issuer.issue(PermitRequest.decode(good));
    for (int bit = 0; bit < good.length * 8; bit++) {
      byte[] bad = good.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThrows(PermissionException.class, () -> fx.issuer.issue(PermitRequest.decode(bad)),
          "bit " + bit);
    }
  }

  @Test
  void noncesAreFreshAndTextFormsHoldNoSecrets() {
    PermissionToken again = fx.issueA(InferenceMode.TWO_PARTY, 5, first);
    assertFalse(java.util.Arrays.equals(token.unverifiedClaims().nonce(), again.unverifiedClaims().nonce()));
    String s = fx.owner.toString() + fx.licenseeA + proof;
    String hex = java.util.HexFormat.of().formatHex(fx.owner.privateKeyBytes(dev.oml.core.keys.SecretAccess.get()));
    assertFalse(s.contains(hex.substring(0, 16)));
    assertTrue(token.toString().contains("unverified"));
  }
}
