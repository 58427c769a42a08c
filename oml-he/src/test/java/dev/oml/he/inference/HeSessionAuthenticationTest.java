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
      HeOwnerSession.sendKeys(pair.second(), Shared.USER.sessionKeys());
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
    pair.second().send(java.nio.ByteBuffer.allocate(8).put("OHKL".getBytes(
        java.nio.charset.StandardCharsets.US_ASCII)).putInt(bound + 1).array());
    joinQuietly(t);
    assertTrue(failure[0] instanceof MalformedQueryException, String.valueOf(failure[0]));
    assertTrue(failure[0].getMessage().contains("announced"), failure[0].getMessage());
    assertEquals(2, pair.first().messagesSent(), "the challenge and the plan, nothing more");
  }

  /** Two licensees' copies of one network, compiled once, served by one session type. */
  private static java.util.Map<ModelId, HeCompiledModel> twoModels(ModelId other) {
    return java.util.Map.of(Shared.FX.modelId, Shared.COMPILED, other,
        Shared.COMPILED.forModel(other));
  }

  @Test
  void theRequestNamesTheModelAndTheSignatureCoversIt() {
    byte[] id = new byte[32];
    RANDOM.nextBytes(id);
    ModelId other = ModelId.of(id);
    HeOwnerSession owner = new HeOwnerSession(twoModels(other), Shared.FX.gate);
    byte[] c = owner.challenge();
    owner.acceptSessionRequest(HeOwnerSession.sessionRequest(Shared.FX.licensee, c,
        Shared.FX.modelId));
    assertEquals(Shared.FX.modelId, owner.plan().modelId());
    assertArrayEquals(Shared.COMPILED.plan().planId(), owner.plan().planId());
    // a shared compilation differs in the model id (and so the plan id) alone
    HeCompiledModel copy = Shared.COMPILED.forModel(other);
    assertEquals(other, copy.plan().modelId());
    assertTrue(!Arrays.equals(copy.plan().planId(), Shared.COMPILED.plan().planId()));
    assertEquals(Shared.COMPILED.plan().rotationSteps().length, copy.plan().rotationSteps().length);
    assertTrue(copy.context() == Shared.COMPILED.context(), "compiled once, shared");
    // the model id is signed: a request rewritten to name another model does not verify
    HeOwnerSession second = new HeOwnerSession(twoModels(other), Shared.FX.gate);
    byte[] c2 = second.challenge();
    byte[] r = HeOwnerSession.sessionRequest(Shared.FX.licensee, c2, Shared.FX.modelId);
    System.arraycopy(id, 0, r, 4 + KeyId.BYTES, 32);
    // (refused by the policy, as the copy is not this licensee's, or else by the signature)
    assertThrows(dev.oml.core.permission.PermissionException.class,
        () -> second.acceptSessionRequest(r));
  }

  @Test
  void aRequestForAModelTheOwnerDoesNotServeIsRefusedBeforeThePlan() {
    byte[] id = new byte[32];
    RANDOM.nextBytes(id);
    ModelId other = ModelId.of(id);
    HeOwnerSession single = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate);
    byte[] c = single.challenge();
    assertThrows(HeModelNotServedException.class, () -> single.acceptSessionRequest(
        HeOwnerSession.sessionRequest(Shared.FX.licensee, c, other)));
    assertNull(single.licensee());
    // with several models the request must name one
    HeOwnerSession several = new HeOwnerSession(twoModels(other), Shared.FX.gate);
    byte[] c2 = several.challenge();
    HeModelNotServedException e = assertThrows(HeModelNotServedException.class,
        () -> several.acceptSessionRequest(HeOwnerSession.sessionRequest(Shared.FX.licensee, c2)));
    assertTrue(e.getMessage().contains("must name one"), e.getMessage());
    assertThrows(IllegalStateException.class, several::plan);
  }

  @Test
  void keysTravelInPartsThatFitASmallFrameAndOnlyThePlansGaloisElementsAreAccepted() {
    HeOwnerSession owner = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate);
    InMemoryChannel.Pair pair = InMemoryChannel.pair(Duration.ofSeconds(30));
    byte[] keys = Shared.USER.sessionKeys();
    assertTrue(keys.length > 2 * HeOwnerSession.KEY_PART_BYTES, "the keys span several parts");
    HeOwnerSession.sendKeys(pair.first(), keys);
    byte[] got = HeOwnerSession.receiveKeys(pair.second(), Shared.COMPILED.sessionKeysBound());
    assertArrayEquals(keys, got);
    assertEquals(1 + (keys.length + HeOwnerSession.KEY_PART_BYTES - 1)
        / HeOwnerSession.KEY_PART_BYTES, pair.first().messagesSent());
    owner.acceptKeys(got);
    // a key set with one Galois element beyond the plan's is refused, naming the element
    HeInferencePlan plan = Shared.COMPILED.plan();
    dev.oml.he.HeContext ctx = plan.context(dev.oml.he.HeBackends.pureJava());
    dev.oml.he.KeyGenerator kg = ctx.keyGenerator();
    int[] steps = Arrays.copyOf(plan.rotationSteps(), plan.rotationSteps().length + 1);
    steps[steps.length - 1] = firstUnused(plan.rotationSteps());
    dev.oml.he.HeSerializer ser = ctx.serializer();
    dev.oml.he.GaloisKeys gk = plan.needsConjugationKey()
        ? kg.createGaloisKeysWithConjugation(steps) : kg.createGaloisKeys(steps);
    byte[] bad = new dev.oml.he.inference.internal.Msg.Out().magic(HeUserSession.KEYS_MAGIC)
        .raw(plan.planId()).block(ser.save(kg.createPublicKey()))
        .block(plan.needsRelinKeys() ? ser.save(kg.createRelinKeys()) : new byte[0])
        .block(ser.save(gk)).bytes();
    HeOwnerSession strict = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate);
    MalformedQueryException e = assertThrows(MalformedQueryException.class,
        () -> strict.acceptKeys(bad));
    assertTrue(e.getMessage().contains("is not one the plan names"), e.getMessage());
    // the same key generator's exact set is accepted (the refusal is the extra element alone)
    dev.oml.he.GaloisKeys exact = plan.needsConjugationKey()
        ? kg.createGaloisKeysWithConjugation(plan.rotationSteps())
        : kg.createGaloisKeys(plan.rotationSteps());
    byte[] good = new dev.oml.he.inference.internal.Msg.Out().magic(HeUserSession.KEYS_MAGIC)
        .raw(plan.planId()).block(ser.save(kg.createPublicKey()))
        .block(plan.needsRelinKeys() ? ser.save(kg.createRelinKeys()) : new byte[0])
        .block(ser.save(exact)).bytes();
    new HeOwnerSession(Shared.COMPILED, Shared.FX.gate).acceptKeys(good);
  }

  private static int firstUnused(int[] steps) {
    int s = 1;
    while (true) {
      int c = s;
      if (Arrays.stream(steps).noneMatch(x -> x == c)) {
        return c;
      }
      s++;
    }
  }
}
