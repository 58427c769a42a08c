package dev.oml.service.modes;

import static dev.oml.service.modes.HeServingFixtures.heService;
import static dev.oml.service.modes.HeServingFixtures.inputs;
import static dev.oml.service.modes.HeServingFixtures.network;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.omlize.ModelId;
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
import dev.oml.he.inference.HeInferencePlan;
import dev.oml.he.inference.HeModelNotServedException;
import dev.oml.he.inference.HePacking;
import dev.oml.he.inference.HeResult;
import dev.oml.he.inference.ImageCountException;
import dev.oml.service.InvalidConfigException;
import dev.oml.service.server.ErrorCode;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.OwnerService;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.PeerAbortedException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The owner's packing setting over loopback TLS, at an INSECURE N = 1024 ring (512 images per
 * batch query) with a small square network: {@code auto} serves a rows and a batch plan under one
 * model id, and a batch query goes through the server end to end with answers that match the
 * float model, each of its images charged; a permission for fewer images than the query carries
 * is refused and charges nothing; a session that requires a packing the owner does not serve is
 * refused with a typed error before any plan is sent; a bad packing name is a configuration
 * error.
 */
class HePackingServingTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path dir;

  private record Owner(OwnerHome home, SigningKeyPair key, ModelId model, InMemoryLedger ledger,
      PermissionIssuer issuer, List<OwnerService> services) {}

  private Owner owner(HePackingPolicy packing) {
    OwnerHome home = OwnerHome.init(dir.resolve("owner-" + packing.label()), RANDOM);
    SigningKeyPair key = SigningKeyPair.generate(RANDOM);
    Omlization o = Omlizer.omlize(network(), home.ownerPublicKey(), key.publicKey(), RANDOM);
    home.addKeyShare(o.keyShare(), SecretAccess.get());
    PermissionPolicy policy = home.policy(SecretAccess.get());
    InMemoryLedger ledger = new InMemoryLedger(policy::quotaOf);
    HeServedModel served = HeServedModel.of(network()).withKappa(2).withPrecisionBits(2)
        .insecureRingForTesting(1024).withPacking(packing);
    List<OwnerService> svc = ModeServices.forOwner(home, policy, ledger, List.of(served),
        HeBackends.pureJava(), inputs(64, 3));
    return new Owner(home, key, o.artifact().modelId(), ledger,
        new PermissionIssuer(home.ownerKey(SecretAccess.get()), policy, Clock.systemUTC(), RANDOM),
        svc);
  }

  private static HeInferenceService he(Owner o) {
    return heService(o.services());
  }

  private FramedChannel open(OwnerServer server, Owner o) {
    return HeServingFixtures.open(server, o.home(), HeInferenceService.NAME);
  }

  @Test
  void autoServesBothPlansAndABatchQueryRunsEndToEndWithEveryImageCharged() {
    Owner o = owner(HePackingPolicy.AUTO);
    assertEquals(Set.of(HePacking.ROWS, HePacking.BATCH), he(o).packings(o.model()));
    FloatInference reference = new FloatInference(network());
    // inside the plan's input box, which the calibration inputs set
    double[][] xs = java.util.Arrays.copyOf(inputs(64, 3), 37);
    try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(o.home().tls()),
        o.services())) {
      long rowsKeys;
      try (FramedChannel ch = open(server, o)) {
        HeInferenceClient.PlanOffer offer = HeInferenceClient.requestInsecureForTesting(ch,
            o.key(), o.model(), HePacking.ROWS, true);
        assertEquals(HePacking.ROWS, offer.plan().packing());
        rowsKeys = offer.accept(HeBackends.pureJava()).sessionKeyBytes();
      }
      try (FramedChannel ch = open(server, o)) {
        HeInferenceClient.PlanOffer offer = HeInferenceClient.requestInsecureForTesting(ch,
            o.key(), o.model(), HePacking.BATCH, false);
        HeInferencePlan plan = offer.plan();
        assertEquals(HePacking.BATCH, plan.packing());
        assertEquals(1024, plan.imagesPerCiphertext(), "two images per slot: N");
        HeInferenceClient c = offer.accept(HeBackends.pureJava());
        assertTrue(c.sessionKeyBytes() < rowsKeys, "no rotation keys: " + c.sessionKeyBytes()
            + " against " + rowsKeys);
        // a permission for fewer images than the query carries: refused, nothing charged
        PeerAbortedException fewer = assertThrows(PeerAbortedException.class, () -> c.infer(xs,
            q -> o.issuer().issue(PermitRequest.create(o.key(), o.model(),
                InferenceMode.HOMOMORPHIC, q.images() - 1, Binding.ofFirstMessage(q.payload()),
                Instant.now()))));
        assertEquals(ImageCountException.class, ErrorCode.toException(fewer).getClass(),
            fewer.getMessage());
        assertEquals(0, o.ledger().charged(o.key().keyId()));
      }
      try (FramedChannel ch = open(server, o)) {
        HeInferenceClient c = HeInferenceClient.requestInsecureForTesting(ch, o.key(), o.model(),
            HePacking.BATCH, true).accept(HeBackends.pureJava());
        HeResult r = c.infer(xs, q -> o.issuer().issue(PermitRequest.create(o.key(), o.model(),
            InferenceMode.HOMOMORPHIC, q.images(), Binding.ofFirstMessage(q.payload()),
            Instant.now())));
        assertEquals(37, o.ledger().charged(o.key().keyId()), "every image of the query charged");
        double bound = c.session().plan().estimatedError();
        for (int i = 0; i < xs.length; i++) {
          double[] want = reference.logits(xs[i]);
          for (int j = 0; j < want.length; j++) {
            assertEquals(want[j], r.logits(i)[j], bound, "image " + i + " logit " + j);
          }
        }
      }
    }
  }

  @Test
  void aRequiredPackingTheOwnerDoesNotServeIsRefusedBeforeThePlan() {
    Owner o = owner(HePackingPolicy.ROWS);
    assertEquals(Set.of(HePacking.ROWS), he(o).packings(o.model()));
    try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(o.home().tls()),
        o.services())) {
      try (FramedChannel ch = open(server, o)) {
        PeerAbortedException e = assertThrows(PeerAbortedException.class,
            () -> HeInferenceClient.requestInsecureForTesting(ch, o.key(), o.model(),
                HePacking.BATCH, true));
        assertEquals(HeModelNotServedException.class, ErrorCode.toException(e).getClass());
        assertTrue(e.getMessage().contains("not in the batch packing"), e.getMessage());
        assertEquals(dev.oml.he.inference.HeOwnerSession.CHALLENGE_BYTES, ch.bytesReceived(),
            "no plan sent");
      }
      // asked, not required: the owner's one packing
      try (FramedChannel ch = open(server, o)) {
        assertEquals(HePacking.ROWS, HeInferenceClient.requestInsecureForTesting(ch, o.key(),
            o.model(), HePacking.BATCH, false).plan().packing());
      }
    }
    assertEquals(0, o.ledger().charged(o.key().keyId()));
  }

  @Test
  void aBadPackingNameIsAConfigurationError() {
    assertEquals(HePackingPolicy.AUTO, HePackingPolicy.parse("auto"));
    assertEquals(HePackingPolicy.BATCH, HePackingPolicy.parse("batch"));
    InvalidConfigException e = assertThrows(InvalidConfigException.class,
        () -> HePackingPolicy.parse("Batch"));
    assertEquals("the HE packing must be rows, batch or auto; got 'Batch'", e.getMessage());
    assertEquals(HePackingPolicy.ROWS, HeServedModel.of(network()).packing());
    assertEquals(HePacking.BATCH, HeServedModel.of(network()).withPacking(HePackingPolicy.BATCH)
        .options(null).packing());
  }
}
