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
 * queries), measuring latency, bytes and rounds. Used by {@code oml demo} and {@code oml query}.
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
    return OmlLicensee.builder().owner(address).ownerCertificate(pinned).artifact(artifact)
        .licenseeKey(licensee).transport(CLIENT).heBackend(heBackend).maxBundle(MAX_BUNDLE).build();
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
   * architecture has no weights).
   */
  public Demo.ModeFigures twoParty(OmlArtifact artifact, Model model, Dataset images, double plainMs) {
    int n = images.size();
    int bundleSize = Math.min(n, MAX_BUNDLE);
    log.accept("user: 2PC, " + n + " queries in bundles of up to " + bundleSize
        + " (one permission per bundle)");
    FloatInference reference = new FloatInference(model);
    int correct = 0;
    int agree = 0;
    long t0 = System.nanoTime();
    List<Prediction> predictions;
    OmlLicensee.Traffic traffic;
    try (OmlLicensee user = licensee(artifact, null)) {
      predictions = user.inferAll(InferenceMode.TWO_PARTY, images(images, 0, n));
      traffic = user.traffic();
    }
    for (int i = 0; i < n; i++) {
      correct += predictions.get(i).label() == images.label(i) ? 1 : 0;
      agree += predictions.get(i).label() == reference.label(images.image(i)) ? 1 : 0;
    }
    double ms = (System.nanoTime() - t0) / 1e6 / n;
    log.accept(String.format(java.util.Locale.ROOT, "user: 2PC done, %d/%d correct, %.0f ms per query", correct, n, ms));
    return new Demo.ModeFigures("2pc", n, (double) correct / n, (double) agree / n, ms,
        traffic.bytes() / n, Math.round((double) traffic.rounds() / n), ms / plainMs,
        "offline and online per query, bundles of " + bundleSize + ", tier 2 (MAC-checked, malicious licensee), exact ReLU, " + model.name());
  }

  /** Runs every image of {@code images} through the HE mode, one ciphertext's worth per query. */
  public Demo.ModeFigures homomorphic(OmlArtifact artifact, Model model, Dataset images,
      HeBackend heBackend, double plainMs) {
    int n = images.size();
    log.accept("user: HE, receiving the plan and sending session keys");
    FloatInference reference = new FloatInference(model);
    try (OmlLicensee user = licensee(artifact, heBackend)) {
      HeInferencePlan plan = user.hePlan();
      long keyBytes = user.traffic().heSessionBytes();
      int perQuery = plan.imagesPerCiphertext();
      int correct = 0;
      int agree = 0;
      int queries = 0;
      long t0 = System.nanoTime();
      for (int from = 0; from < n; from += perQuery) {
        int count = Math.min(perQuery, n - from);
        log.accept("user: HE query of " + count + " images in one ciphertext");
        List<Prediction> r = user.inferAll(InferenceMode.HOMOMORPHIC, images(images, from, count));
        queries++;
        for (int i = 0; i < count; i++) {
          correct += r.get(i).label() == images.label(from + i) ? 1 : 0;
          agree += r.get(i).label() == reference.label(images.image(from + i)) ? 1 : 0;
        }
      }
      double ms = (System.nanoTime() - t0) / 1e6 / n;
      long queryBytes = (user.traffic().bytes() - keyBytes) / queries;
      return new Demo.ModeFigures("he", n, (double) correct / n, (double) agree / n, ms, queryBytes, 2,
          ms / plainMs, "per image, " + perQuery + " images per query, " + heBackend.name()
              + " backend, kappa " + plan.kappa() + ", session keys "
              + keyBytes / 1_000_000 + " MB once, " + model.name());
    }
  }
}
