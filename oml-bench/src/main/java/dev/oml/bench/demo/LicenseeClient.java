package dev.oml.bench.demo;

import dev.oml.core.data.Dataset;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.OmlArtifact;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackend;
import dev.oml.he.inference.HeInferencePlan;
import dev.oml.he.inference.HePacking;
import dev.oml.service.CallRecord;
import dev.oml.service.OmlLicensee;
import dev.oml.service.Prediction;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A licensee's side of both modes against a running owner server, through {@link OmlLicensee}
 * (which asks the permit desk for each permission over a pinned TLS connection and runs the
 * queries), measuring latency, bytes and flights phase by phase from the facade's {@link
 * OmlLicensee#lastCall()} records. Used by {@code oml demo} and {@code oml query}.
 */
public final class LicenseeClient {
  private static final TransportConfig CLIENT = TransportConfig.DEFAULT;
  /**
   * Queries per 2PC bundle at most (what one permission pays for in advance); within it the
   * facade sizes bundles so that their largest flight (about 2.5 MB per Network A query) stays
   * under the frame limit.
   */
  static final int MAX_BUNDLE = 20;
  private final InetSocketAddress address;
  private final X509Certificate pinned;
  private final SigningKeyPair licensee;
  private final Consumer<String> log;
  private final Clock clock = Clock.systemUTC();

  public LicenseeClient(InetSocketAddress address, X509Certificate pinned, SigningKeyPair licensee,
      Consumer<String> log) {
    this.address = address;
    this.pinned = pinned;
    this.licensee = licensee;
    this.log = log;
  }

  /** A permission from the owner's permit desk for {@code n} inferences bound to {@code binding}. */
  public PermissionToken permit(OmlArtifact artifact, InferenceMode mode, int n, Binding binding) {
    try (FramedChannel desk = ServiceClient.open(address, pinned, PermitService.NAME, CLIENT)) {
      return PermitService.request(desk, PermitRequest.create(licensee, artifact.modelId(), mode, n,
          binding, clock.instant()));
    }
  }

  /** The facade over this client's owner connection, for one artifact. */
  private OmlLicensee licensee(OmlArtifact artifact, HeBackend heBackend) {
    return licensee(artifact, heBackend, null);
  }

  private OmlLicensee licensee(OmlArtifact artifact, HeBackend heBackend, HePacking packing) {
    return OmlLicensee.builder().owner(address).ownerCertificate(pinned).artifact(artifact)
        .licenseeKey(licensee).transport(CLIENT).heBackend(heBackend).maxBundle(MAX_BUNDLE)
        .hePacking(packing).build();
  }

  private static List<double[]> images(Dataset images, int from, int count) {
    List<double[]> out = new ArrayList<>(count);
    for (int i = from; i < from + count; i++) {
      out.add(images.image(i));
    }
    return out;
  }

  /**
   * Runs every image of {@code images} through the 2PC mode, in bundles; {@code model} is the
   * plaintext model the labels are compared with (the owner's, for the demo; the artifact's
   * architecture has no weights), {@code plaintext} its float64 time per image (or {@code null}:
   * no overhead ratio). Latency per query is its bundle's connection, permission and offline
   * phase shared by the bundle's queries, plus its own online phase.
   */
  public Demo.ModeFigures twoParty(OmlArtifact artifact, Model model, Dataset images, Stats plaintext) {
    int n = images.size();
    int bundleSize = Math.min(n, MAX_BUNDLE);
    log.accept("user: 2PC, " + n + " queries in bundles of up to " + bundleSize
        + " (one permission per bundle)");
    FloatInference reference = new FloatInference(model);
    int correct = 0;
    int agree = 0;
    List<Prediction> predictions;
    CallRecord call;
    try (OmlLicensee user = licensee(artifact, null)) {
      predictions = user.inferAll(InferenceMode.TWO_PARTY, images(images, 0, n));
      call = user.lastCall().orElseThrow();
    }
    for (int i = 0; i < n; i++) {
      correct += predictions.get(i).label() == images.label(i) ? 1 : 0;
      agree += predictions.get(i).label() == reference.label(images.image(i)) ? 1 : 0;
    }
    List<CallRecord.Bundle> bundles = call.bundles();
    double[] perQuery = new double[n];
    double[] online = new double[n];
    double[][] perBundle = new double[3][bundles.size()];
    long bytes = 0;
    long offlineBytes = 0;
    long onlineBytes = 0;
    long offlineFlights = 0;
    long onlineFlights = 0;
    int q = 0;
    for (int b = 0; b < bundles.size(); b++) {
      CallRecord.Bundle bundle = bundles.get(b);
      perBundle[0][b] = ms(bundle.connectNanos());
      perBundle[1][b] = ms(bundle.permitNanos());
      perBundle[2][b] = ms(bundle.offlineNanos());
      double share = ms(bundle.connectNanos() + bundle.permitNanos() + bundle.offlineNanos())
          / bundle.queries();
      offlineBytes += bundle.offlineBytes();
      offlineFlights = Math.max(offlineFlights, bundle.offlineFlights());
      bytes += bundle.offlineBytes();
      for (CallRecord.Online o : bundle.online()) {
        online[q] = ms(o.nanos());
        perQuery[q] = share + online[q];
        onlineBytes += o.bytes();
        onlineFlights = Math.max(onlineFlights, o.flights());
        bytes += o.bytes();
        q++;
      }
    }
    Stats query = Stats.of(perQuery);
    log.accept(String.format(java.util.Locale.ROOT, "user: 2PC done, %d/%d correct, median %.0f ms per query",
        correct, n, query.median()));
    int nb = bundles.size();
    List<Demo.Phase> phases = List.of(
        new Demo.Phase("connect", "bundle", Stats.of(perBundle[0]), null, null),
        new Demo.Phase("permit", "bundle", Stats.of(perBundle[1]), null, null),
        new Demo.Phase("offline", "bundle", Stats.of(perBundle[2]), Math.round((double) offlineBytes / nb),
            offlineFlights),
        new Demo.Phase("online", "query", Stats.of(online), Math.round((double) onlineBytes / n),
            onlineFlights));
    return Demo.ModeFigures.of("2pc", model.name(), null, n, n, 1, (double) correct / n, (double) agree / n,
        query, query, Math.round((double) bytes / n), offlineFlights + onlineFlights, 0, 0, phases, plaintext,
        "offline and online per query, bundles of " + bundleSize
            + ", tier 2 (MAC-checked, malicious licensee), exact ReLU");
  }

  /**
   * Runs every image of {@code images} through the HE mode in one call, as many per query as the
   * owner's plan packs; where the owner serves both packings the facade picks one by the number
   * of images. The session's opening (plan and session keys, once) is reported apart from the
   * queries, whose latency is encryption, permission, the owner's answer and decryption.
   */
  public Demo.ModeFigures homomorphic(OmlArtifact artifact, Model model, Dataset images,
      HeBackend heBackend, Stats plaintext) {
    return homomorphic(artifact, model, images, heBackend, plaintext, null);
  }

  /**
   * The same with the packing {@code packing} required (null: the facade's choice by the number
   * of images, where the owner serves both).
   */
  public Demo.ModeFigures homomorphic(OmlArtifact artifact, Model model, Dataset images,
      HeBackend heBackend, Stats plaintext, HePacking packing) {
    int n = images.size();
    log.accept("user: HE, receiving the plan and sending session keys");
    FloatInference reference = new FloatInference(model);
    try (OmlLicensee user = licensee(artifact, heBackend, packing)) {
      HeInferencePlan plan = user.hePlan(n); // opens the session of the plan this call uses
      CallRecord.HeSession session = user.heSessionRecord().orElseThrow();
      int perQuery = plan.imagesPerCiphertext();
      String packed = plan.packing().name().toLowerCase(java.util.Locale.ROOT);
      log.accept("user: HE, " + n + " images in queries of up to " + perQuery + " ("
          + packed + " packing)");
      List<Prediction> r = user.inferAll(InferenceMode.HOMOMORPHIC, images(images, 0, n));
      CallRecord call = user.lastCall().orElseThrow();
      if (call.heSession() != null) {
        // the session was reopened (it idled out): its cost belongs to this query's wait
        throw new IllegalStateException("the HE session was reopened during the profile");
      }
      int correct = 0;
      int agree = 0;
      List<CallRecord.HeQuery> queries = new ArrayList<>(call.heQueries());
      for (int i = 0; i < n; i++) {
        correct += r.get(i).label() == images.label(i) ? 1 : 0;
        agree += r.get(i).label() == reference.label(images.image(i)) ? 1 : 0;
      }
      int k = queries.size();
      double[][] t = new double[6][k];
      double[] perSentImage = new double[k];
      long bytes = 0;
      long flights = 0;
      for (int i = 0; i < k; i++) {
        CallRecord.HeQuery h = queries.get(i);
        t[0][i] = ms(h.encryptNanos());
        t[1][i] = ms(h.permitNanos());
        t[2][i] = ms(h.sendNanos());
        t[3][i] = ms(h.ownerNanos());
        t[4][i] = ms(h.decryptNanos());
        t[5][i] = ms(h.totalNanos());
        perSentImage[i] = t[5][i] / h.images();
        bytes += h.bytes();
        flights = Math.max(flights, h.flights());
      }
      long bytesPerQuery = Math.round((double) bytes / k);
      List<Demo.Phase> phases = List.of(
          new Demo.Phase("session", "session", Stats.of(ms(session.totalNanos())), session.bytes(),
              session.flights()),
          new Demo.Phase("keygen", "session", Stats.of(ms(session.keygenNanos())), null, null),
          new Demo.Phase("encrypt", "query", Stats.of(t[0]), null, null),
          new Demo.Phase("permit", "query", Stats.of(t[1]), null, null),
          new Demo.Phase("send", "query", Stats.of(t[2]), null, null),
          new Demo.Phase("owner", "query", Stats.of(t[3]), null, null),
          new Demo.Phase("decrypt", "query", Stats.of(t[4]), null, null));
      return Demo.ModeFigures.of("he", model.name(), plan.kappa(), n, k, perQuery, (double) correct / n,
          (double) agree / n, Stats.of(t[5]), Stats.of(perSentImage), bytesPerQuery, flights, session.bytes(),
          session.sessionKeyBytes(), phases, plaintext,
          perQuery + " images per query (" + packed + " packing), " + heBackend.name()
              + " backend, kappa " + plan.kappa() + ", session keys " + session.sessionKeyBytes()
              + " bytes once per session");
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
