package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.KeyId;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.LicenseeProofException;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PolicyViolationException;
import dev.oml.core.permission.UnknownLicenseeException;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The HE session request: before the owner sends its plan or reads a single session key, the
 * peer must sign a fresh challenge with the key of an allowed licensee whose model this is. Each
 * attack runs against the real check and against a session built without it (the test-only
 * switch), where it succeeds: the stranger gets the plan and its ~MB of keys are loaded.
 */
class HeSessionAuthenticationTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void theLicenseeSignsTheChallengeAndIsKnownAfterwards() {
    HeOwnerSession owner = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate);
    byte[] c = owner.challenge();
    KeyId who = owner.acceptSessionRequest(HeOwnerSession.sessionRequest(Shared.FX.licensee, c));
    assertEquals(Shared.FX.licensee.keyId(), who);
    assertEquals(who, owner.licensee());
  }

  @Test
  void aStrangerGetsNeitherThePlanNorAChanceToUploadKeys() {
    SigningKeyPair stranger = SigningKeyPair.generate(RANDOM);
    // check on: refused right after the challenge, with the typed reason
    HeOwnerSession guarded = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate);
    Exchange e = strangerConnects(guarded, stranger);
    assertTrue(e.ownerFailure instanceof UnknownLicenseeException, String.valueOf(e.ownerFailure));
    assertEquals(1, e.ownerMessages, "only the challenge went out");
    assertNull(e.plan);
    // check off: the same stranger gets the plan and the owner loads its keys
    HeOwnerSession open = HeOwnerSession.withoutAuthenticationForTesting(Shared.COMPILED, Shared.FX.gate);
    Exchange a = strangerConnects(open, stranger);
    assertArrayEquals(Shared.COMPILED.plan().encode(), a.plan, "the attack works without the check");
    assertTrue(a.keysAccepted, "the stranger's keys were loaded without the check");
  }

  /** What the owner did for a peer that signs with {@code key}. */
  private record Exchange(Throwable ownerFailure, long ownerMessages, byte[] plan, boolean keysAccepted) {}

  private static Exchange strangerConnects(HeOwnerSession owner, SigningKeyPair key) {
    InMemoryChannel.Pair pair = InMemoryChannel.pair(Duration.ofSeconds(30));
    Throwable[] failure = new Throwable[1];
    boolean[] keysAccepted = new boolean[1];
    Thread t = new Thread(() -> {
      try {
        owner.authenticate(pair.first());
        // returns once the peer hangs up after its keys were loaded (a bad key set throws)
        owner.serveAuthenticated(pair.first());
        keysAccepted[0] = true;
      } catch (Throwable e) {
        failure[0] = e;
      }
    });
    t.start();
    byte[] plan = null;
    try {
      byte[] first = pair.second().receive();
      if (first.length == HeOwnerSession.CHALLENGE_BYTES) {
        pair.second().send(HeOwnerSession.sessionRequest(key, first));
        plan = pair.second().receive();
      } else {
        plan = first;
      }
      pair.second().send(Shared.USER.sessionKeys());
    } catch (ProtocolAbortException e) {
      // the owner ended the session
    }
    pair.second().close();
    joinQuietly(t);
    return new Exchange(failure[0], pair.first().messagesSent(), plan, keysAccepted[0]);
  }

  private static void joinQuietly(Thread t) {
    try {
      t.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aRecordedRequestDoesNotOpenAnotherSession() {
    HeOwnerSession first = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate);
    byte[] recorded = HeOwnerSession.sessionRequest(Shared.FX.licensee, first.challenge());
    first.acceptSessionRequest(recorded);
    HeOwnerSession second = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate);
    second.challenge();
    assertThrows(LicenseeProofException.class, () -> second.acceptSessionRequest(recorded));
    // and one challenge allows one try
    assertThrows(MalformedQueryException.class, () -> second.acceptSessionRequest(recorded));
  }

  @Test
  void anAllowedLicenseeOfAnotherModelIsRefused() {
    SigningKeyPair other = SigningKeyPair.generate(RANDOM);
    byte[] id = new byte[32];
    RANDOM.nextBytes(id);
    PermissionPolicy policy = PermissionPolicy.builder()
        .licensee(Shared.FX.licensee.publicKey(), 10).licensee(other.publicKey(), 10)
        .model(Shared.FX.modelId, Shared.FX.licensee.keyId()).model(ModelId.of(id), other.keyId())
        .maxInferencesPerPermission(10).validity(Duration.ofMinutes(30))
        .maxClockSkew(Duration.ofSeconds(30)).build();
    PermissionGate gate = new PermissionGate(new PermissionVerifier(Shared.FX.owner.publicKey(),
        policy, Clock.systemUTC()), new InMemoryLedger(policy::quotaOf));
    HeOwnerSession owner = new HeOwnerSession(Shared.COMPILED, gate);
    byte[] c = owner.challenge();
    assertThrows(PolicyViolationException.class,
        () -> owner.acceptSessionRequest(HeOwnerSession.sessionRequest(other, c)));
    byte[] c2 = owner.challenge();
    byte[] forged = HeOwnerSession.sessionRequest(other, c2);
    // the licensee's id with another key's signature
    System.arraycopy(Shared.FX.licensee.keyId().bytes(), 0, forged, 4, KeyId.BYTES);
    assertThrows(LicenseeProofException.class, () -> owner.acceptSessionRequest(forged));
  }

  @Test
  void malformedRequestsAndOversizedKeyUploadsAreRefused() {
    HeOwnerSession owner = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate);
    byte[] c = owner.challenge();
    byte[] r = HeOwnerSession.sessionRequest(Shared.FX.licensee, c);
    assertThrows(MalformedQueryException.class,
        () -> owner.acceptSessionRequest(Arrays.copyOf(r, r.length - 1)));
    // a key upload beyond the plan's key set ends the session before the keys are loaded
    int bound = Shared.COMPILED.sessionKeysBound();
    int honest = Shared.USER.sessionKeys().length;
    assertTrue(honest <= bound && bound < 2 * honest, honest + " vs bound " + bound);
    HeOwnerSession ok = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate);
    InMemoryChannel.Pair pair = InMemoryChannel.pair(Duration.ofSeconds(30));
    Throwable[] failure = new Throwable[1];
    Thread t = new Thread(() -> {
      try {
        ok.run(pair.first());
      } catch (Throwable e) {
        failure[0] = e;
      }
    });
    t.start();
    pair.second().send(HeOwnerSession.sessionRequest(Shared.FX.licensee, pair.second().receive()));
    pair.second().receive(); // the plan
    pair.second().send(new byte[bound + 1]);
    joinQuietly(t);
    assertTrue(failure[0] instanceof ProtocolAbortException, String.valueOf(failure[0]));
    assertTrue(failure[0].getMessage().contains("exceeds"), failure[0].getMessage());
  }
}
