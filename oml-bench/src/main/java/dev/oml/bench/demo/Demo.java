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
 * latency per query and per image with its spread, each phase of both modes (from the facade's
 * call records), bytes, flights, HE session keys, and overhead against plaintext inference of
 * the same model timed after warm-up in the same run ({@link PlaintextTimer}), with where and
 * when it ran ({@link RunInfo}).
 */
public final class Demo {
  /**
   * One phase of a mode, over its instances (per bundle, per query or per session): its
   * wall-clock milliseconds, and its payload bytes (mean per instance, rounded) and flights (the
   * most one instance took) where the phase has messages of its own; {@code null} where it does
   * not, or where its messages are counted with the query's (the HE query's phases).
   */
  public record Phase(String name, String per, Stats ms, Long bytes, Long flights) {}

  /**
   * One mode's figures. A query is what one permission and one answer cover: one image in 2PC
   * (whose bundle's offline phase is shared by the bundle's queries), one ciphertext of up to
   * {@code imagesPerQuery} images in HE. Per image is per query divided by {@code
   * imagesPerQuery}: a query costs the same however many of its slots a run fills, so a run with
   * fewer images than a query carries still reports what a full query costs per image.
   *
   * @param bytesPerQuery payload bytes both ways per query, mean (2PC: its share of its bundle's
   *     offline phase plus its online phase; HE: the query and its answer, session excluded)
   * @param flightsPerQuery flights a query goes through (2PC: its bundle's offline flights plus its
   *     own online flights; HE: query and answer)
   * @param sessionBytes HE: payload bytes of opening the session (challenge, request, plan,
   *     session keys), once per session; 0 in 2PC, which has no session
   * @param sessionKeyBytes HE: the session keys within {@code sessionBytes}; 0 in 2PC
   * @param plaintextMs float64 inference of the same model, per image, warmed up; {@code null}
   *     if not measured
   * @param overheadVsPlaintext median latency per image over the plaintext median, or NaN
   * @param kappa HE: the plan's flooding parameter; {@code null} in 2PC
   * @param perSentImageMs per query, its latency over the images it actually carried (what a run
   *     spent per image: a query fills fewer slots than it has when the run has fewer images);
   *     equal to {@code perImageMs} in 2PC, whose queries carry one image
   */
  public record ModeFigures(String mode, String model, Integer kappa, int images, int queries, int imagesPerQuery,
      double accuracy, double agreement, Stats perQueryMs, Stats perImageMs, Stats perSentImageMs,
      long bytesPerQuery, long bytesPerImage, long flightsPerQuery, long sessionBytes,
      long sessionKeyBytes, List<Phase> phases, Stats plaintextMs, double overheadVsPlaintext,
      String notes) {

    /** Figures with the per-image and overhead fields derived from the per-query ones. */
    public static ModeFigures of(String mode, String model, Integer kappa, int images, int queries,
        int imagesPerQuery, double accuracy, double agreement, Stats perQueryMs,
        Stats perSentImageMs, long bytesPerQuery,
        long flightsPerQuery, long sessionBytes, long sessionKeyBytes, List<Phase> phases,
        Stats plaintextMs, String notes) {
      Stats perImage = perQueryMs.dividedBy(imagesPerQuery);
      double overhead = plaintextMs == null ? Double.NaN : perImage.median() / plaintextMs.median();
      return new ModeFigures(mode, model, kappa, images, queries, imagesPerQuery, accuracy, agreement,
          perQueryMs, perImage, perSentImageMs, bytesPerQuery,
          Math.round((double) bytesPerQuery / imagesPerQuery),
          flightsPerQuery, sessionBytes, sessionKeyBytes, List.copyOf(phases), plaintextMs, overhead,
          notes);
    }
  }

  /** One refusal: what was tried and the error the owner answered with. */
  public record Refusal(String attempt, String error) {}

  /**
   * The quality profile and where it was measured.
   *
   * @param heBackend the HE backend's name
   * @param kappa the HE plan's flooding parameter (statistical circuit privacy, bits)
   * @param plaintextSchedule how the plaintext denominator was timed (warm-up and measurement)
   */
  public record Profile(RunInfo run, String heBackend, int kappa, String plaintextSchedule,
      List<ModeFigures> modes, double artifactOnlyAccuracy, List<Refusal> refused) {}

  private static final TransportConfig CLIENT = TransportConfig.DEFAULT;

  private final Path ownerDir;
  private final Model networkA;
  private final Model heNetwork;
  private final Dataset images;
  private final HeBackend heBackend;
  private final BiFunction<OwnerHome, PermissionLedger, List<OwnerService>> modeServices;
  private final Consumer<String> log;
  private final PlaintextTimer plaintext;
  private final SecureRandom rng = new SecureRandom();
  private final Clock clock = Clock.systemUTC();

  /**
   * @param modeServices builds the inference services from the owner directory and ledger
   * @param log progress lines (for a terminal), or a no-op
   * @param plaintext how to time the plaintext denominator
   */
  public Demo(Path ownerDir, Model networkA, Model heNetwork, Dataset images, HeBackend heBackend,
      BiFunction<OwnerHome, PermissionLedger, List<OwnerService>> modeServices, Consumer<String> log,
      PlaintextTimer plaintext) {
    this.plaintext = plaintext;
    this.ownerDir = ownerDir;
    this.networkA = networkA;
    this.heNetwork = heNetwork;
    this.images = images;
    this.heBackend = heBackend;
    this.modeServices = modeServices;
    this.log = log;
  }

  /**
   * Runs the whole demonstration.
   *
   * @param installation the installation, whose git commit the profile names
   */
  public Profile run(Path installation) throws Exception {
    RunInfo info = RunInfo.capture(installation);
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
        log.accept("timing plaintext float64 inference of both models (warm-up "
            + plaintext.warmupSchedule() + ", measurement " + plaintext.measurementSchedule() + " each)");
        Stats plainA = plaintext.time(networkA, images);
        Stats plainH = plaintext.time(heNetwork, images);
        LicenseeClient client = new LicenseeClient(server.address(), pinned, licensee, log);
        List<ModeFigures> modes = new ArrayList<>();
        modes.add(client.twoParty(a.artifact(), networkA, images, plainA));
        modes.add(client.homomorphic(h.artifact(), heNetwork, images, heBackend, plainH));
        List<Refusal> refused = refusals(server, pinned, a.artifact(), licensee, stranger);
        ArtifactEvaluator.Protection p = ArtifactEvaluator.evaluate(a.artifact(), images);
        return new Profile(info, heBackend.name(), modes.get(1).kappa(), "warm-up " + plaintext.warmupSchedule()
            + ", measurement " + plaintext.measurementSchedule(), modes, p.accuracy(), refused);
      }
    }
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

  /**
   * The profile as the JSON-ready map {@code oml demo --json} and {@code oml profile --json}
   * print: where and when it ran, then per mode its figures, their spread and its phases.
   */
  public static Map<String, Object> toMap(Profile p) {
    Map<String, Object> out = new LinkedHashMap<>();
    RunInfo r = p.run();
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("date", r.date());
    run.put("commit", r.commit());
    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("os", r.os());
    machine.put("arch", r.arch());
    machine.put("cpu_model", r.cpuModel());
    machine.put("processors", r.processors());
    machine.put("max_heap_bytes", r.memoryBytes());
    machine.put("load_average_1min", r.loadAverage());
    run.put("machine", machine);
    run.put("jvm", r.jvm());
    out.put("run", run);
    out.put("he_backend", p.heBackend());
    out.put("kappa", p.kappa());
    out.put("plaintext_timing", p.plaintextSchedule());
    List<Object> modes = new ArrayList<>();
    for (ModeFigures m : p.modes()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("mode", m.mode());
      e.put("model", m.model());
      e.put("images", m.images());
      e.put("queries", m.queries());
      e.put("images_per_query", m.imagesPerQuery());
      e.put("accuracy", m.accuracy());
      e.put("agreement_with_plaintext", m.agreement());
      e.put("latency_ms_per_query", stats(m.perQueryMs()));
      e.put("latency_ms_per_image", stats(m.perImageMs()));
      e.put("plaintext_ms_per_image", m.plaintextMs() == null ? null : stats(m.plaintextMs()));
      e.put("overhead_vs_plaintext", m.overheadVsPlaintext());
      e.put("bytes_per_query", m.bytesPerQuery());
      e.put("bytes_per_image", m.bytesPerImage());
      e.put("flights_per_query", m.flightsPerQuery());
      e.put("session_bytes", m.sessionBytes());
      e.put("session_key_bytes", m.sessionKeyBytes());
      if (m.kappa() != null) {
        e.put("kappa", m.kappa());
      }
      List<Object> phases = new ArrayList<>();
      for (Phase ph : m.phases()) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("phase", ph.name());
        f.put("per", ph.per());
        f.put("ms", stats(ph.ms()));
        f.put("bytes", ph.bytes());
        f.put("flights", ph.flights());
        phases.add(f);
      }
      e.put("phases", phases);
      e.put("notes", m.notes());
      modes.add(e);
    }
    out.put("modes", modes);
    out.put("artifact_only_accuracy", p.artifactOnlyAccuracy());
    List<Object> refused = new ArrayList<>();
    for (Refusal x : p.refused()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("attempt", x.attempt());
      e.put("error", x.error());
      refused.add(e);
    }
    out.put("refused", refused);
    return out;
  }

  private static Map<String, Object> stats(Stats s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("n", s.n());
    out.put("median", s.median());
    out.put("p95", s.p95());
    out.put("min", s.min());
    out.put("max", s.max());
    out.put("mean", s.mean());
    return out;
  }

  /** The columns of {@link #toCsv}. */
  public static final String CSV_HEADER = "mode,model,row,per,n,median_ms,p95_ms,min_ms,max_ms,mean_ms,"
      + "bytes,flights,images,images_per_query,accuracy,overhead_vs_plaintext,he_backend,kappa,date,"
      + "commit,machine,jvm";

  /**
   * The profile's timings as CSV (RFC 4180, header first), one row per figure and mode: {@code
   * plaintext} (float64, per image), {@code query}, {@code image}, then each phase. Each row
   * repeats the run's columns so that rows of several runs can be concatenated and compared. The
   * {@code keygen} row's bytes are the session keys it made; an empty cell is a figure that does
   * not apply.
   */
  public static String toCsv(Profile p) {
    StringBuilder out = new StringBuilder(CSV_HEADER).append("\r\n");
    RunInfo r = p.run();
    for (ModeFigures m : p.modes()) {
      boolean he = m.kappa() != null;
      List<Object> tail = new ArrayList<>(List.of(m.images(), m.imagesPerQuery(), m.accuracy()));
      tail.add(Double.isNaN(m.overheadVsPlaintext()) ? null : m.overheadVsPlaintext());
      tail.addAll(java.util.Arrays.asList(he ? p.heBackend() : null, m.kappa(), r.date(), r.commit(),
          r.machine(), r.jvm()));
      if (m.plaintextMs() != null) {
        csvRow(out, m, "plaintext", "image", m.plaintextMs(), null, null, tail);
      }
      csvRow(out, m, "query", "query", m.perQueryMs(), m.bytesPerQuery(), m.flightsPerQuery(), tail);
      csvRow(out, m, "image", "image", m.perImageMs(), m.bytesPerImage(), null, tail);
      for (Phase ph : m.phases()) {
        Long bytes = ph.name().equals("keygen") ? Long.valueOf(m.sessionKeyBytes()) : ph.bytes();
        csvRow(out, m, ph.name(), ph.per(), ph.ms(), bytes, ph.flights(), tail);
      }
    }
    return out.toString();
  }

  private static void csvRow(StringBuilder out, ModeFigures m, String row, String per, Stats s,
      Long bytes, Long flights, List<Object> tail) {
    List<Object> cells = new ArrayList<>(java.util.Arrays.asList(m.mode(), m.model(), row, per, s.n(),
        s.median(), s.p95(), s.min(), s.max(), s.mean(), bytes, flights));
    cells.addAll(tail);
    for (int i = 0; i < cells.size(); i++) {
      out.append(i == 0 ? "" : ",").append(csvCell(cells.get(i)));
    }
    out.append("\r\n");
  }

  private static String csvCell(Object v) {
    if (v == null) {
      return "";
    }
    String s = v instanceof Double d ? java.math.BigDecimal.valueOf(d).toPlainString() : v.toString();
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }
}
