package dev.oml.bench.demo;

import dev.oml.bench.eval.ArtifactEvaluator;
import dev.oml.core.OmlException;
import dev.oml.core.data.Dataset;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.FieldArtifact;
import dev.oml.core.omlize.FieldOmlizer;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.LicenseeProof;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.HeBackend;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.tier2.Tier2Messages;
import dev.oml.mpc.tier2.Tier2User;
import dev.oml.service.modes.TwoPartyInferenceService;
import dev.oml.service.server.ErrorCode;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.OwnerService;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.PeerAbortedException;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The end-to-end demonstration behind {@code oml demo}: an owner OMLizes the bundled models for a
 * licensee and serves them on loopback over TLS (permit desk, 2PC and HE inference, durable
 * ledger); the licensee asks for permissions and runs queries in both modes on test images; then a
 * replayed permission, a forged one and one presented by another licensee are sent and must be
 * refused. The result is the quality profile: accuracy per mode, artifact-only accuracy,
 * latency, bytes, rounds and overhead against plaintext inference measured in the same run.
 */
public final class Demo {
  /** One mode's figures, per query (2PC: offline plus online; HE: per image of a batch). */
  public record ModeFigures(String mode, int images, double accuracy, double agreement,
      double latencyMs, long bytes, long rounds, double overheadVsPlaintext, String notes) {}

  /** One refusal: what was tried and the error the owner answered with. */
  public record Refusal(String attempt, String error) {}

  /** The quality profile. */
  public record Profile(List<ModeFigures> modes, double artifactOnlyAccuracy,
      double plaintextMsPerImage, List<Refusal> refused) {}

  private static final TransportConfig CLIENT = TransportConfig.DEFAULT;

  private final Path ownerDir;
  private final Model networkA;
  private final Model heNetwork;
  private final Dataset images;
  private final HeBackend heBackend;
  private final BiFunction<OwnerHome, PermissionLedger, List<OwnerService>> modeServices;
  private final Consumer<String> log;
  private final SecureRandom rng = new SecureRandom();
  private final Clock clock = Clock.systemUTC();

  /**
   * @param modeServices builds the inference services from the owner directory and ledger
   * @param log progress lines (for a terminal), or a no-op
   */
  public Demo(Path ownerDir, Model networkA, Model heNetwork, Dataset images, HeBackend heBackend,
      BiFunction<OwnerHome, PermissionLedger, List<OwnerService>> modeServices, Consumer<String> log) {
    this.ownerDir = ownerDir;
    this.networkA = networkA;
    this.heNetwork = heNetwork;
    this.images = images;
    this.heBackend = heBackend;
    this.modeServices = modeServices;
    this.log = log;
  }

  /** Runs the whole demonstration. */
  public Profile run() throws Exception {
    log.accept("owner: creating " + ownerDir + " (signing key, TLS identity, policy)");
    OwnerHome home = OwnerHome.init(ownerDir, rng);
    SigningKeyPair licensee = SigningKeyPair.generate(rng);
    SigningKeyPair stranger = SigningKeyPair.generate(rng);
    log.accept("owner: OMLizing " + networkA.name() + " and " + heNetwork.name() + " for licensee "
        + licensee.keyId().hex().substring(0, 16));
    // Network A over F_p with MAC tags for the two-party mode (format version 2); the HE
    // network (square activations, no two-party rule) gets a version-1 pair that names it.
    FieldOmlizer.Result a = FieldOmlizer.omlize(networkA, networkA.format().fractionalBits(),
        home.ownerPublicKey(), licensee.publicKey(), rng);
    Omlization h = Omlizer.omlize(heNetwork, home.ownerPublicKey(), licensee.publicKey(), rng);
    home.addKeyShare(a.keyShare(), SecretAccess.get());
    home.addKeyShare(h.keyShare(), SecretAccess.get());
    PermissionPolicy policy = home.policy(SecretAccess.get());

    try (PermissionLedger ledger = home.openLedger(policy)) {
      List<OwnerService> services = new ArrayList<>();
      services.add(new PermitService(new PermissionIssuer(home.ownerKey(SecretAccess.get()), policy,
          clock, rng, ledger::charged, who -> ledger.aborts(who).count())));
      services.addAll(modeServices.apply(home, ledger));
      try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(home.tls()), services)) {
        log.accept("owner: serving " + services.stream().map(OwnerService::name).toList() + " on "
            + server.address() + " (TLS, pinned certificate)");
        X509Certificate pinned = TlsCredentials.readPem(home.certificatePem());
        double plainMs = plaintextMs();
        LicenseeClient client = new LicenseeClient(server.address(), pinned, licensee, log);
        List<ModeFigures> modes = new ArrayList<>();
        modes.add(client.twoParty(a.artifact(), networkA, images, plainMs));
        modes.add(client.homomorphic(h.artifact(), heNetwork, images, heBackend, plainMs));
        List<Refusal> refused = refusals(server, pinned, a.artifact(), licensee, stranger);
        ArtifactEvaluator.Protection p = ArtifactEvaluator.evaluate(a.artifact(), images);
        return new Profile(modes, p.accuracy(), plainMs, refused);
      }
    }
  }

  private double plaintextMs() {
    FloatInference f = new FloatInference(networkA);
    int reps = 3000;
    for (int i = 0; i < reps; i++) {
      f.logits(images.image(i % images.size()));
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < reps; i++) {
      f.logits(images.image(i % images.size()));
    }
    return (System.nanoTime() - t0) / 1e6 / reps;
  }

  /** Sends a first message and returns the owner's refusal (or fails if it was accepted). */
  private Refusal expectRefusal(OwnerServer server, X509Certificate pinned, String attempt, byte[] first) {
    try (FramedChannel ch = ServiceClient.open(server.address(), pinned, TwoPartyInferenceService.NAME,
        CLIENT)) {
      ch.send(first);
      ch.receive();
    } catch (ProtocolAbortException e) {
      // the owner's exception type travels as a code; name it as the owner did
      OmlException owners = e instanceof PeerAbortedException p ? ErrorCode.toException(p) : e;
      String why = owners == e ? e.getMessage().replaceFirst("^the peer aborted: ", "")
          : owners.getClass().getSimpleName() + ": " + owners.getMessage();
      log.accept("owner refused " + attempt + ": " + why);
      return new Refusal(attempt, why);
    }
    throw new OmlException("the owner accepted " + attempt + "; the demo expected a refusal");
  }

  private List<Refusal> refusals(OwnerServer server, X509Certificate pinned, FieldArtifact artifact,
      SigningKeyPair licensee, SigningKeyPair stranger) {
    LicenseeClient client = new LicenseeClient(server.address(), pinned, licensee, log);
    // A genuine bundle's first message, used once...
    byte[] payload = Tier2Messages.BundleRequest.fresh(artifact.modelId(), OutputPolicy.LOGITS, 1,
        rng).encode();
    PermissionToken token = client.permit(artifact, InferenceMode.TWO_PARTY, 1,
        Binding.ofFirstMessage(payload));
    byte[] first = PermittedQuery.create(licensee, token, payload).encode();
    try (FramedChannel ch = ServiceClient.open(server.address(), pinned, TwoPartyInferenceService.NAME,
        CLIENT)) {
      ch.send(first);
      Tier2User user = new Tier2User(artifact, OfflineHe.standard(), rng);
      Tier2User.Bundle b = user.offline(ch, 1, OutputPolicy.LOGITS);
      b.query(ch, user.encodeInput(images.image(0)));
    }
    List<Refusal> out = new ArrayList<>();
    // ...then replayed,
    out.add(expectRefusal(server, pinned, "a replayed permission", first));
    // forged (one bit of the signed claims changed: n = 1 becomes n = 3),
    byte[] forged = first.clone();
    int nOffset = indexOfInferenceCount(token);
    forged[nOffset] ^= 0x02;
    out.add(expectRefusal(server, pinned, "a forged permission", forged));
    // and presented by another licensee (its own proof over the same message).
    byte[] payload2 = Tier2Messages.BundleRequest.fresh(artifact.modelId(), OutputPolicy.LOGITS, 1,
        rng).encode();
    PermissionToken token2 = client.permit(artifact, InferenceMode.TWO_PARTY, 1,
        Binding.ofFirstMessage(payload2));
    byte[] stolen = PermittedQuery.of(token2,
        LicenseeProof.create(stranger, token2, PermittedQuery.transcriptHash(payload2)), payload2)
        .encode();
    out.add(expectRefusal(server, pinned, "a permission presented by another licensee", stolen));
    return out;
  }

  /** Position of the low byte of the inference count inside an encoded token. */
  private static int indexOfInferenceCount(PermissionToken token) {
    // claims: 16-byte tag, 32-byte model id, 32-byte licensee id, 1-byte mode, 4-byte n (big-endian)
    byte[] t = token.encode();
    int off = 16 + 32 + 32 + 1 + 3;
    if (t[off] != (byte) token.unverifiedClaims().inferences()) {
      throw new IllegalStateException("unexpected permission layout");
    }
    return off;
  }

  /** The profile as the JSON-ready map {@code oml demo --json} prints. */
  public static Map<String, Object> toMap(Profile p) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Object> modes = new ArrayList<>();
    for (ModeFigures m : p.modes()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("mode", m.mode());
      e.put("images", m.images());
      e.put("accuracy", m.accuracy());
      e.put("agreement_with_plaintext", m.agreement());
      e.put("latency_ms", m.latencyMs());
      e.put("bytes", m.bytes());
      e.put("rounds", m.rounds());
      e.put("overhead_vs_plaintext", m.overheadVsPlaintext());
      e.put("notes", m.notes());
      modes.add(e);
    }
    out.put("modes", modes);
    out.put("artifact_only_accuracy", p.artifactOnlyAccuracy());
    out.put("plaintext_ms_per_image", p.plaintextMsPerImage());
    List<Object> refused = new ArrayList<>();
    for (Refusal r : p.refused()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("attempt", r.attempt());
      e.put("error", r.error());
      refused.add(e);
    }
    out.put("refused", refused);
    return out;
  }
}
