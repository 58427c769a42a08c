package dev.oml.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.OmlException;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.QuotaExceededException;
import dev.oml.core.model.InputTransform;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.ArtifactFormatException;
import dev.oml.core.omlize.FieldOmlizer;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PolicyViolationException;
import dev.oml.core.permission.UnknownLicenseeException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.testkit.Tier2Fixture;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.service.modes.TwoPartyInferenceService;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.server.UnknownServiceException;
import dev.oml.service.transport.PeerAbortedException;
import dev.oml.service.transport.TlsCredentials;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The licensee facade against a real owner over TLS on loopback: answers of the two-party mode
 * (tier 2, standard HE parameters) equal the field reference bit for bit, a version-1 artifact
 * is refused with a typed error before any connection, and every refusal arrives as the owner's
 * own exception type.
 */
class OmlLicenseeTest {
  private static final FixedPointFormat FORMAT = FacadeFixtures.FORMAT;
  private static final SecureRandom RNG = new SecureRandom();
  @TempDir Path dir;

  private static List<double[]> images(int n, long seed) {
    Random r = new Random(seed);
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(TinyModels.input(r, 8));
    }
    return out;
  }

  private OmlLicensee.Builder licensee(OwnerNode node, SigningKeyPair key, Path artifact) {
    return OmlLicensee.builder().owner(node.address()).ownerCertificate(node.certificatePem())
        .artifact(artifact).licenseeKey(key);
  }

  @Test
  void answersMatchTheReferenceAndTheQuotaHolds() {
    SigningKeyPair key = SigningKeyPair.generate(RNG);
    Path artifact = dir.resolve("model.omla");
    Model model = FacadeFixtures.ownerDirectory(dir.resolve("owner"), key, 6, artifact);
    try (OwnerNode node = OwnerNode.start(OwnerNodeConfig.builder(dir.resolve("owner")).port(0).build());
        OmlLicensee licensee = licensee(node, key, artifact).build()) {
      List<double[]> xs = images(5, 1);
      List<Prediction> ps = licensee.inferAll(InferenceMode.TWO_PARTY, xs);
      assertEquals(5, ps.size());
      for (int i = 0; i < 5; i++) {
        double[] want = FacadeFixtures.reference(model, xs.get(i));
        assertArrayEquals(want, ps.get(i).logits(), 0.0);
        int argmax = 0;
        for (int k = 1; k < want.length; k++) {
          argmax = want[k] > want[argmax] ? k : argmax;
        }
        assertEquals(argmax, ps.get(i).label());
      }
      assertEquals(OmlLicensee.DEFAULT_MAX_BUNDLE, licensee.bundleSize());
      assertTrue(licensee.traffic().bytes() > 0 && licensee.traffic().rounds() > 0);
      double[] sixth = images(1, 2).get(0);
      assertArrayEquals(FacadeFixtures.reference(model, sixth), licensee.infer(InferenceMode.TWO_PARTY, sixth).logits(), 0.0);
      // six of six used: the permit desk sees the ledger's charges and refuses, with its own type
      PolicyViolationException e = assertThrows(PolicyViolationException.class,
          () -> licensee.infer(InferenceMode.TWO_PARTY, sixth));
      assertTrue(e.getMessage().contains("6"), e.getMessage());
      // this owner serves no HE model: the HE mode is an unknown service, typed as such
      assertThrows(UnknownServiceException.class, () -> licensee.infer(InferenceMode.HOMOMORPHIC, sixth));
      assertThrows(IllegalArgumentException.class, () -> licensee.infer(InferenceMode.TWO_PARTY, new double[3]));
    }
  }

  /**
   * The artifact carries the model's preprocessing and the client applies it: given raw inputs,
   * the answers equal the field reference on the preprocessed inputs, bit for bit, and differ
   * from the reference on the raw inputs (what a client that forgot it would get).
   */
  @Test
  void rawInputsArePreprocessedAsTheArtifactDeclares() {
    SigningKeyPair key = SigningKeyPair.generate(RNG);
    Path artifact = dir.resolve("model.omla");
    double[] scale = new double[8];
    double[] offset = new double[8];
    java.util.Arrays.fill(scale, 0.25);
    java.util.Arrays.fill(offset, -0.125);
    Model model = FacadeFixtures.ownerDirectory(dir.resolve("owner"), key, 6, artifact,
        TinyModels.mlp(FORMAT, 7, false).withPreprocessing(InputTransform.of(scale, offset)));
    assertEquals(model.preprocessing(),
        dev.oml.core.omlize.OmlArtifact.read(artifact).description().architecture().preprocessing());
    try (OwnerNode node = OwnerNode.start(OwnerNodeConfig.builder(dir.resolve("owner")).port(0).build());
        OmlLicensee licensee = licensee(node, key, artifact).build()) {
      List<double[]> raw = new ArrayList<>();
      for (double[] x : images(3, 4)) {
        double[] r = new double[x.length];
        for (int i = 0; i < r.length; i++) {
          r[i] = 4 * x[i] + 0.5; // the raw value that the transform maps back to x[i]
        }
        raw.add(r);
      }
      List<Prediction> ps = licensee.inferAll(InferenceMode.TWO_PARTY, raw);
      for (int i = 0; i < raw.size(); i++) {
        double[] want = FacadeFixtures.reference(model, model.preprocess(raw.get(i)));
        assertArrayEquals(want, ps.get(i).logits(), 0.0);
        assertFalse(java.util.Arrays.equals(want, FacadeFixtures.reference(model, raw.get(i))));
      }
    }
  }

  @Test
  void aLicenseeTheOwnerDoesNotKnowIsRefusedAsSuch() {
    SigningKeyPair key = SigningKeyPair.generate(RNG);
    FacadeFixtures.ownerDirectory(dir.resolve("owner"), key, 10, null);
    // an artifact made with this owner's public key for a licensee whose share was never added
    SigningKeyPair stranger = SigningKeyPair.generate(RNG);
    OwnerHome home = OwnerHome.open(dir.resolve("owner"));
    FieldOmlizer.Result o = FieldOmlizer.omlize(TinyModels.mlp(FORMAT, 8, false),
        FacadeFixtures.F, home.ownerPublicKey(), stranger.publicKey(), RNG);
    try (OwnerNode node = OwnerNode.start(OwnerNodeConfig.builder(dir.resolve("owner")).port(0).build());
        OmlLicensee licensee = OmlLicensee.builder().owner(node.address())
            .ownerCertificate(node.certificate()).artifact(o.artifact()).licenseeKey(stranger).build()) {
      assertThrows(UnknownLicenseeException.class,
          () -> licensee.infer(InferenceMode.TWO_PARTY, new double[8]));
    }
  }

  @Test
  void aRefusalOfTheOwnersLedgerArrivesThroughTheAbortFrameAsQuotaExceeded() {
    // This issuer does not look at the ledger, so the permit desk grants what the quota no
    // longer covers and the owner's gate refuses it after the TLS session started.
    Tier2Fixture run = Tier2Fixture.tiny(OutputPolicy.LOGITS, 2);
    PermissionIssuer blind = new PermissionIssuer(run.ownerKey, run.policy, run.clock, run.rng);
    TlsCredentials tls = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
    try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(tls),
            List.of(new PermitService(blind), new TwoPartyInferenceService(run.owner)));
        OmlLicensee licensee = OmlLicensee.builder().owner(server.address())
            .ownerCertificate(tls.certificate()).artifact(run.oml.artifact()).licenseeKey(run.licensee)
            .twoPartyHe(Tier2Fixture.INSECURE_OFFLINE).maxBundle(2).build()) {
      // bundles of 2, then 1: the second would bring the charges to 3 of 2
      QuotaExceededException e = assertThrows(QuotaExceededException.class,
          () -> licensee.inferAll(InferenceMode.TWO_PARTY, images(3, 3)));
      assertEquals(2, e.quota());
      assertEquals(2, e.charged());
      assertEquals(1, e.requested());
      assertEquals(run.licensee.keyId(), e.licensee());
      assertInstanceOf(PeerAbortedException.class, e.getCause());
      assertEquals(2, run.charged(), "the refused bundle charged nothing");
    }
  }

  @Test
  void theCallRecordAccountsForEveryBundleQueryByteAndNanosecondOfTheCall() {
    Tier2Fixture run = Tier2Fixture.tiny(OutputPolicy.LOGITS, 5);
    PermissionIssuer issuer = new PermissionIssuer(run.ownerKey, run.policy, run.clock, run.rng,
        who -> run.charged());
    TlsCredentials tls = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
    try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(tls),
            List.of(new PermitService(issuer), new TwoPartyInferenceService(run.owner)));
        OmlLicensee licensee = OmlLicensee.builder().owner(server.address())
            .ownerCertificate(tls.certificate()).artifact(run.oml.artifact()).licenseeKey(run.licensee)
            .twoPartyHe(Tier2Fixture.INSECURE_OFFLINE).maxBundle(2).build()) {
      assertTrue(licensee.lastCall().isEmpty(), "no call yet");
      long t0 = System.nanoTime();
      licensee.inferAll(InferenceMode.TWO_PARTY, images(3, 4));
      long wall = System.nanoTime() - t0;
      CallRecord call = licensee.lastCall().orElseThrow();
      assertEquals(InferenceMode.TWO_PARTY, call.mode());
      assertEquals(3, call.images());
      assertEquals(List.of(2, 1), call.bundles().stream().map(CallRecord.Bundle::queries).toList());
      assertTrue(call.heQueries().isEmpty() && call.heSession() == null);
      long bytes = 0;
      long nanos = 0;
      for (CallRecord.Bundle b : call.bundles()) {
        assertEquals(b.queries(), b.online().size());
        assertTrue(b.connectNanos() > 0 && b.permitNanos() > 0 && b.offlineNanos() > 0, b.toString());
        assertTrue(b.offlineFlights() >= 2 && b.offlineBytes() > 0, b.toString());
        bytes += b.offlineBytes();
        nanos += b.connectNanos() + b.permitNanos() + b.offlineNanos();
        for (CallRecord.Online o : b.online()) {
          assertTrue(o.nanos() > 0 && o.bytes() > 0, o.toString());
          assertEquals(call.bundles().get(0).online().get(0).flights(), o.flights());
          bytes += o.bytes();
          nanos += o.nanos();
        }
      }
      // the phases add up to the traffic the handle counted and fit in the time the test saw
      assertEquals(licensee.traffic().bytes(), bytes);
      assertTrue(nanos <= wall, nanos + " ns of phases in a call of " + wall + " ns");
      assertTrue(call.bundles().get(0).online().get(0).flights() >= 2);

      // a refused call keeps the record of the bundle it finished (2 more spent, then 5 of 5)
      assertThrows(PolicyViolationException.class,
          () -> licensee.inferAll(InferenceMode.TWO_PARTY, images(3, 5)));
      CallRecord failed = licensee.lastCall().orElseThrow();
      assertEquals(3, failed.images());
      assertEquals(List.of(2), failed.bundles().stream().map(CallRecord.Bundle::queries).toList());
    }
  }

  @Test
  void aVersionOneArtifactIsRefusedInTheTwoPartyModeWithATypedErrorBeforeAnyTraffic() {
    SigningKeyPair key = SigningKeyPair.generate(RNG);
    FacadeFixtures.ownerDirectory(dir.resolve("owner"), key, 10, null);
    OwnerHome home = OwnerHome.open(dir.resolve("owner"));
    Path v1 = dir.resolve("old.omla");
    Omlizer.omlize(TinyModels.mlp(FixedPointFormat.of(32, 10), 7, false), home.ownerPublicKey(),
        key.publicKey(), RNG).artifact().write(v1);
    try (OwnerNode node = OwnerNode.start(OwnerNodeConfig.builder(dir.resolve("owner")).port(0).build());
        OmlLicensee licensee = licensee(node, key, v1).build()) {
      ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
          () -> licensee.infer(InferenceMode.TWO_PARTY, new double[8]));
      assertTrue(e.getMessage().contains("OMLize the model again"), e.getMessage());
      assertEquals(0, licensee.traffic().bytes(), "refused before any connection");
    }
  }

  @Test
  void theBuilderRefusesIncompleteOrContradictorySettings() {
    SigningKeyPair key = SigningKeyPair.generate(RNG);
    Path artifact = dir.resolve("model.omla");
    FacadeFixtures.ownerDirectory(dir.resolve("owner"), key, 10, artifact);
    Path cert = dir.resolve("owner").resolve("tls-cert.pem");
    assertThrows(InvalidConfigException.class, () -> OmlLicensee.builder().ownerCertificate(cert)
        .artifact(artifact).licenseeKey(key).build());
    assertThrows(InvalidConfigException.class, () -> OmlLicensee.builder().owner("127.0.0.1", 7443)
        .artifact(artifact).licenseeKey(key).build());
    assertThrows(InvalidConfigException.class, () -> OmlLicensee.builder().owner("127.0.0.1", 70000)
        .ownerCertificate(cert).artifact(artifact).licenseeKey(key).build());
    assertThrows(InvalidConfigException.class, () -> OmlLicensee.builder().owner("127.0.0.1", 7443)
        .ownerCertificate(cert).artifact(artifact).licenseeKey(key).maxBundle(0).build());
    InvalidConfigException other = assertThrows(InvalidConfigException.class, () -> OmlLicensee.builder()
        .owner("127.0.0.1", 7443).ownerCertificate(cert).artifact(artifact)
        .licenseeKey(SigningKeyPair.generate(RNG)).build());
    assertTrue(other.getMessage().contains("made for licensee"), other.getMessage());
    assertThrows(OmlException.class, () -> OmlLicensee.builder().owner("127.0.0.1", 7443)
        .ownerCertificate(cert).artifact(dir.resolve("missing.omla")).licenseeKey(key).build());
  }
}
