package dev.oml.service.modes;

import static dev.oml.service.modes.HeServingFixtures.heService;
import static dev.oml.service.modes.HeServingFixtures.inputs;
import static dev.oml.service.modes.HeServingFixtures.network;
import static dev.oml.service.modes.HeServingFixtures.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.OmlException;
import dev.oml.core.io.Envelope;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import dev.oml.core.omlize.ArtifactFormatException;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.omlize.OmlKeyShare;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackends;
import dev.oml.he.inference.HeInferenceClient;
import dev.oml.he.inference.HeModelNotServedException;
import dev.oml.he.inference.HeResult;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.service.server.ErrorCode;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.OwnerService;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.PeerAbortedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HE service of an owner directory with several licensees and networks, over loopback TLS:
 * two licensees of one network are served by one server and one compilation, each under its own
 * model id and with the plan the owner set; a network that is not the one a share was made from,
 * a network that matches no share, and a share without a content hash stop the start with a
 * typed error; a session for a model the server does not serve is refused before the plan.
 * INSECURE N = 1024 rings keep it fast.
 */
class HeServingTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path dir;

  /** Same name and shape as {@link #network()}, other weights. */
  private static Model impostor() {
    double[] w1 = new double[12];
    double[] w2 = new double[6];
    Arrays.fill(w1, 0.25);
    Arrays.fill(w2, -0.25);
    return Model.of(network().name(), Shape.vector(4), List.of(
        new Dense(4, 3, w1, new double[3]), new Square(), new Dense(3, 2, w2, new double[2])),
        TinyModels.SMALL, 2);
  }

  private static double[][] calibration() {
    return inputs(16, 3);
  }

  private static HeServedModel served(Model m, int kappa) {
    return HeServedModel.of(m).withKappa(kappa).insecureRingForTesting(1024);
  }

  private record Licensee(SigningKeyPair key, ModelId model) {}

  private Licensee license(OwnerHome home, Model m) {
    SigningKeyPair key = SigningKeyPair.generate(RANDOM);
    Omlization o = Omlizer.omlize(m, home.ownerPublicKey(), key.publicKey(), RANDOM);
    home.addKeyShare(o.keyShare(), SecretAccess.get());
    return new Licensee(key, o.artifact().modelId());
  }

  private static List<OwnerService> services(OwnerHome home, PermissionLedger ledger,
      List<HeServedModel> he) {
    return ModeServices.forOwner(home, home.policy(SecretAccess.get()), ledger, he,
        HeBackends.pureJava(), calibration());
  }

  @Test
  void twoLicenseesOfOneNetworkShareOneServerAndOneCompilation() {
    OwnerHome home = OwnerHome.init(dir.resolve("owner"), RANDOM);
    Licensee a = license(home, network());
    Licensee b = license(home, network());
    PermissionPolicy policy = home.policy(SecretAccess.get());
    InMemoryLedger ledger = new InMemoryLedger(policy::quotaOf);
    List<OwnerService> svc = services(home, ledger, List.of(served(network(), 3)));
    HeInferenceService he = heService(svc);
    assertEquals(java.util.Set.of(a.model(), b.model()), he.modelIds());
    // compiled once: the two licensees' models share one context
    Map<ModelId, List<dev.oml.he.inference.HeCompiledModel>> compiled = ModeServices.compileHe(
        home.keyShares(SecretAccess.get()), List.of(served(network(), 3)), HeBackends.pureJava(),
        calibration());
    assertTrue(compiled.get(a.model()).get(0).context() == compiled.get(b.model()).get(0).context());
    PermissionIssuer issuer = new PermissionIssuer(home.ownerKey(SecretAccess.get()), policy,
        Clock.systemUTC(), RANDOM);
    FloatInference reference = new FloatInference(network());
    double[][] images = {TinyModels.input(new Random(9), 4)};
    try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(home.tls()), svc)) {
      for (Licensee l : List.of(a, b)) {
        try (FramedChannel ch = open(server, home, HeInferenceService.NAME)) {
          HeInferenceClient c = HeInferenceClient.connectInsecureForTesting(ch,
              HeBackends.pureJava(), l.key(), l.model());
          assertEquals(l.model(), c.session().plan().modelId());
          assertEquals(3, c.session().plan().kappa(), "the owner's plan for this network");
          HeResult r = c.infer(images, q -> issuer.issue(PermitRequest.create(l.key(), l.model(),
              InferenceMode.HOMOMORPHIC, q.images(), Binding.ofFirstMessage(q.payload()),
              Instant.now())));
          double[] want = reference.logits(images[0]);
          for (int j = 0; j < want.length; j++) {
            assertEquals(want[j], r.logits(0)[j], 0.25, "logit " + j);
          }
        }
        assertEquals(1, ledger.charged(l.key().keyId()), "each licensee charged its own query");
      }
      // a licensee that asks for the other's model is refused (not its model), before the plan
      try (FramedChannel ch = open(server, home, HeInferenceService.NAME)) {
        PeerAbortedException e = assertThrows(PeerAbortedException.class,
            () -> HeInferenceClient.connectInsecureForTesting(ch, HeBackends.pureJava(), a.key(),
                b.model()));
        assertEquals(dev.oml.core.permission.PolicyViolationException.class,
            ErrorCode.toException(e).getClass(), e.getMessage());
      }
      // a model the server does not serve: a typed refusal, nothing but the challenge sent
      byte[] id = new byte[32];
      RANDOM.nextBytes(id);
      try (FramedChannel ch = open(server, home, HeInferenceService.NAME)) {
        PeerAbortedException e = assertThrows(PeerAbortedException.class,
            () -> HeInferenceClient.connectInsecureForTesting(ch, HeBackends.pureJava(), a.key(),
                ModelId.of(id)));
        assertEquals(HeModelNotServedException.class, ErrorCode.toException(e).getClass());
        assertEquals(dev.oml.he.inference.HeOwnerSession.CHALLENGE_BYTES, ch.bytesReceived());
      }
    }
    assertEquals(1, ledger.charged(a.key().keyId()));
    assertEquals(1, ledger.charged(b.key().keyId()));
  }

  /** Dense 16 -> 16, Square, Dense 16 -> 2: enough diagonals for baby steps of several keys. */
  private static Model wideNetwork() {
    Random r = new Random(2);
    return Model.of("wide-square", Shape.vector(16), List.of(
        new Dense(16, 16, TinyModels.weights(r, 256, 0.3), TinyModels.weights(r, 16, 0.2)),
        new Square(),
        new Dense(16, 2, TinyModels.weights(r, 32, 0.3), TinyModels.weights(r, 2, 0.2))),
        TinyModels.SMALL, 2);
  }

  @Test
  void hoistedKeysAreServedWhereTheOwnerSetsThem() {
    OwnerHome home = OwnerHome.init(dir.resolve("owner"), RANDOM);
    Model wide = wideNetwork();
    Licensee a = license(home, wide);
    PermissionPolicy policy = home.policy(SecretAccess.get());
    InMemoryLedger ledger = new InMemoryLedger(policy::quotaOf);
    Random cr = new Random(4);
    double[][] calibration = new double[16][];
    for (int i = 0; i < calibration.length; i++) {
      calibration[i] = TinyModels.input(cr, 16);
    }
    HeServedModel chained = served(wide, 3);
    HeServedModel hoisted = chained.withHoistedRotations(true);
    int chainedKeys = ModeServices.compileHe(home.keyShares(SecretAccess.get()),
        List.of(chained), HeBackends.pureJava(), calibration).get(a.model())
        .get(0).plan().rotationSteps().length;
    PermissionIssuer issuer = new PermissionIssuer(home.ownerKey(SecretAccess.get()), policy,
        Clock.systemUTC(), RANDOM);
    FloatInference reference = new FloatInference(wide);
    double[][] images = {TinyModels.input(new Random(10), 16)};
    try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(home.tls()),
        ModeServices.forOwner(home, policy, ledger, List.of(hoisted), HeBackends.pureJava(),
            calibration));
        FramedChannel ch = open(server, home, HeInferenceService.NAME)) {
      HeInferenceClient c = HeInferenceClient.connectInsecureForTesting(ch,
          HeBackends.pureJava(), a.key(), a.model());
      // a key per baby step instead of one chained key: more rotation keys in the served plan
      int served = c.session().plan().rotationSteps().length;
      assertTrue(served > chainedKeys, served + " rotation keys, chained " + chainedKeys);
      HeResult r = c.infer(images, q -> issuer.issue(PermitRequest.create(a.key(), a.model(),
          InferenceMode.HOMOMORPHIC, q.images(), Binding.ofFirstMessage(q.payload()),
          Instant.now())));
      double[] want = reference.logits(images[0]);
      for (int j = 0; j < want.length; j++) {
        assertEquals(want[j], r.logits(0)[j], 0.25, "logit " + j);
      }
    }
    assertEquals(1, ledger.charged(a.key().keyId()));
  }

  @Test
  void aDifferentNetworkUnderTheSharesNameIsRefusedAtStart() {
    OwnerHome home = OwnerHome.init(dir.resolve("owner"), RANDOM);
    Licensee a = license(home, network());
    assertEquals(network().name(), impostor().name());
    HeModelMismatchException e = assertThrows(HeModelMismatchException.class,
        () -> services(home, new InMemoryLedger(k -> 10), List.of(served(impostor(), 6))));
    assertTrue(e.getMessage().contains("is not the network the key share"), e.getMessage());
    assertTrue(e.getMessage().contains(impostor().name()), e.getMessage());
    // the check off (pairing by name, as before content hashes): the impostor is served under
    // the share's model id, the query is charged, and the answer is the impostor's
    Map<ModelId, List<dev.oml.he.inference.HeCompiledModel>> byName = ModeServices.compileHe(
        home.keyShares(SecretAccess.get()), List.of(served(impostor(), 6)),
        HeBackends.pureJava(), calibration(), true);
    dev.oml.he.inference.HeCompiledModel wrong = byName.get(a.model()).get(0);
    PermissionPolicy policy = home.policy(SecretAccess.get());
    InMemoryLedger ledger = new InMemoryLedger(policy::quotaOf);
    dev.oml.he.inference.HeOwnerSession owner = new dev.oml.he.inference.HeOwnerSession(wrong,
        new dev.oml.core.permission.PermissionGate(new dev.oml.core.permission.PermissionVerifier(
            home.ownerPublicKey(), policy, Clock.systemUTC()), ledger));
    dev.oml.he.inference.HeUserSession user = dev.oml.he.inference.HeUserSession
        .openInsecureForTesting(HeBackends.pureJava(), wrong.plan().encode());
    owner.acceptKeys(user.sessionKeys());
    double[] x = TinyModels.input(new Random(4), 4);
    dev.oml.he.inference.HeQuery q = user.encrypt(new double[][] {x});
    PermissionIssuer issuer = new PermissionIssuer(home.ownerKey(SecretAccess.get()), policy,
        Clock.systemUTC(), RANDOM);
    byte[] first = dev.oml.core.permission.PermittedQuery.create(a.key(), issuer.issue(
        PermitRequest.create(a.key(), a.model(), InferenceMode.HOMOMORPHIC, 1,
            Binding.ofFirstMessage(q.payload()), Instant.now())), q.payload()).encode();
    double[] got = user.decrypt(q, owner.answer(first)).logits(0);
    assertEquals(1, ledger.charged(a.key().keyId()), "charged for the wrong network's answer");
    double[] fake = new FloatInference(impostor()).logits(x);
    double[] real = new FloatInference(network()).logits(x);
    double toFake = 0;
    double toReal = 0;
    for (int j = 0; j < got.length; j++) {
      toFake = Math.max(toFake, Math.abs(got[j] - fake[j]));
      toReal = Math.max(toReal, Math.abs(got[j] - real[j]));
    }
    assertTrue(toFake < 0.25 && toReal > 0.5, "answer " + Arrays.toString(got) + " vs the"
        + " impostor " + Arrays.toString(fake) + " and the share's " + Arrays.toString(real));
  }

  @Test
  void aNetworkThatMatchesNoShareIsRefusedAndSoIsAShareWithoutAHash() throws Exception {
    OwnerHome home = OwnerHome.init(dir.resolve("owner"), RANDOM);
    Model other = Model.of("another-net", Shape.vector(4), network().layers(), TinyModels.SMALL,
        2);
    license(home, network());
    HeModelMismatchException none = assertThrows(HeModelMismatchException.class,
        () -> services(home, new InMemoryLedger(k -> 10),
            List.of(served(network(), 6), served(other, 6))));
    assertTrue(none.getMessage().contains("'another-net'")
        && none.getMessage().contains("matches no key share"), none.getMessage());
    // a share written before shares carried the hash: version 1, the same body less the hash
    OwnerHome old = OwnerHome.init(dir.resolve("old"), RANDOM);
    SigningKeyPair key = SigningKeyPair.generate(RANDOM);
    Omlization o = Omlizer.omlize(network(), old.ownerPublicKey(), key.publicKey(), RANDOM);
    byte[] v3 = encodeShare(o.keyShare());
    byte[] magic = Arrays.copyOf(v3, 8);
    byte[] body = Envelope.open(v3, magic, 3, "share", ArtifactFormatException::new);
    byte[] v1 = Envelope.seal(magic, 1, Arrays.copyOf(body, body.length - 32));
    OmlKeyShare legacy = OmlKeyShare.decode(v1, "legacy", SecretAccess.get());
    assertTrue(legacy.modelContentHash().isEmpty());
    old.addKeyShare(legacy, SecretAccess.get());
    HeModelMismatchException unchecked = assertThrows(HeModelMismatchException.class,
        () -> services(old, new InMemoryLedger(k -> 10), List.of(served(network(), 6))));
    assertTrue(unchecked.getMessage().contains("OMLize the model again"), unchecked.getMessage());
    // without an HE model the old share is still read and the directory still starts
    assertFalse(services(old, new InMemoryLedger(k -> 10), List.of()).stream()
        .anyMatch(s -> s.name().equals(HeInferenceService.NAME)));
  }

  private byte[] encodeShare(OmlKeyShare share) throws Exception {
    Path f = dir.resolve("share-" + RANDOM.nextInt(1 << 30) + ".omlk");
    share.write(f, SecretAccess.get());
    return Files.readAllBytes(f);
  }

  @Test
  void aLicenseeWithoutHeInThePolicyIsRefusedAtTheDeskAndAtTheSessionStart() throws Exception {
    Path ownerDir = dir.resolve("owner");
    OwnerHome home = OwnerHome.init(ownerDir, RANDOM);
    Licensee a = license(home, network());
    Licensee b = license(home, network());
    Files.writeString(ownerDir.resolve("policy.properties"),
        "quota=100\nmodes." + a.key().keyId().hex() + "=TWO_PARTY\n");
    PermissionPolicy policy = home.policy(SecretAccess.get());
    assertFalse(policy.allows(a.key().keyId(), InferenceMode.HOMOMORPHIC));
    assertTrue(policy.allows(b.key().keyId(), InferenceMode.HOMOMORPHIC));
    InMemoryLedger ledger = new InMemoryLedger(policy::quotaOf);
    List<OwnerService> svc = new java.util.ArrayList<>(services(home, ledger,
        List.of(served(network(), 6))));
    svc.add(new dev.oml.service.server.PermitService(new PermissionIssuer(
        home.ownerKey(SecretAccess.get()), policy, Clock.systemUTC(), RANDOM, ledger::charged)));
    try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(home.tls()), svc)) {
      try (FramedChannel ch = open(server, home, dev.oml.service.server.PermitService.NAME)) {
        // the desk's refusal arrives as its own type
        assertThrows(dev.oml.core.permission.ModeNotAllowedException.class,
            () -> dev.oml.service.server.PermitService.request(ch, PermitRequest.create(a.key(),
                a.model(), InferenceMode.HOMOMORPHIC, 1, Binding.ofFirstMessage(new byte[1]),
                Instant.now())));
      }
      try (FramedChannel ch = open(server, home, HeInferenceService.NAME)) {
        PeerAbortedException e = assertThrows(PeerAbortedException.class,
            () -> HeInferenceClient.connectInsecureForTesting(ch, HeBackends.pureJava(), a.key(),
                a.model()));
        assertEquals(dev.oml.core.permission.ModeNotAllowedException.class,
            ErrorCode.toException(e).getClass(), e.getMessage());
        assertEquals(dev.oml.he.inference.HeOwnerSession.CHALLENGE_BYTES, ch.bytesReceived(),
            "no plan for a licensee without HE");
      }
      // the other licensee of the same network keeps the HE mode
      try (FramedChannel ch = open(server, home, HeInferenceService.NAME)) {
        HeInferenceClient.connectInsecureForTesting(ch, HeBackends.pureJava(), b.key(), b.model());
      }
    }
    assertEquals(0, ledger.charged(a.key().keyId()), "nothing charged on refusal");
    // a per-licensee line for a key id with no share is a start-up error naming the line
    Files.writeString(ownerDir.resolve("policy.properties"), "modes." + "ab".repeat(32)
        + "=TWO_PARTY\n");
    OmlException e = assertThrows(OmlException.class, () -> home.policy(SecretAccess.get()));
    assertTrue(e.getMessage().contains("names no licensee"), e.getMessage());
  }

  @Test
  void theOwnersKappaDecidesWhetherADeepPolynomialModelIsServed() {
    // a degree-8 activation: a kappa too large for its depth is refused, naming the largest that
    // fits; the owner serves it at that kappa (serve --he-model FILE:kappa=K)
    double[] c = new double[9];
    c[1] = 0.5;
    c[8] = 0.01;
    Dense first = (Dense) network().layers().get(0);
    Model deep = Model.of("deep-poly", Shape.vector(4), List.of(
        new Dense(4, 3, weightsOf(first), new double[3]), new dev.oml.core.model.Polynomial(c),
        new Dense(3, 2, new double[] {0.3, -0.2, 0.1, 0.2, 0.4, -0.3}, new double[2])),
        dev.oml.core.fixedpoint.FixedPointFormat.of(32, 8), 2);
    OwnerHome home = OwnerHome.init(dir.resolve("owner"), RANDOM);
    Licensee a = license(home, deep);
    dev.oml.he.NoiseBudgetException tooMuch = assertThrows(dev.oml.he.NoiseBudgetException.class,
        () -> services(home, new InMemoryLedger(k -> 10), List.of(served(deep, 100))));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("the largest kappa that fits is "
        + "([0-9]+)").matcher(tooMuch.getMessage());
    assertTrue(m.find(), tooMuch.getMessage());
    int largest = Integer.parseInt(m.group(1));
    assertTrue(largest >= 1 && largest < 100, tooMuch.getMessage());
    Map<ModelId, List<dev.oml.he.inference.HeCompiledModel>> served = ModeServices.compileHe(
        home.keyShares(SecretAccess.get()), List.of(served(deep, largest)),
        HeBackends.pureJava(), calibration());
    assertEquals(largest, served.get(a.model()).get(0).plan().kappa());
  }

  private static double[] weightsOf(Dense d) {
    double[] w = new double[12];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 4; j++) {
        w[i * 4 + j] = d.weight(i, j);
      }
    }
    return w;
  }

  @Test
  void aNetworkGivenTwiceOrAPlanOutOfRangeIsAConfigurationError() {
    OwnerHome home = OwnerHome.init(dir.resolve("owner"), RANDOM);
    license(home, network());
    assertThrows(dev.oml.service.InvalidConfigException.class,
        () -> services(home, new InMemoryLedger(k -> 10),
            List.of(served(network(), 6), served(network(), 3))));
    assertThrows(dev.oml.service.InvalidConfigException.class,
        () -> HeServedModel.of(network()).withKappa(0));
    assertThrows(dev.oml.service.InvalidConfigException.class,
        () -> HeServedModel.of(network()).withPrecisionBits(31));
    assertThrows(dev.oml.service.InvalidConfigException.class,
        () -> HeServedModel.of(network()).withRingDegree(8192));
    assertEquals(32768, HeServedModel.of(network()).withRingDegree(32768).options(null)
        .ringDegree());
    assertThrows(OmlException.class, () -> HeServedModel.of(network()).withKappa(129));
  }
}
