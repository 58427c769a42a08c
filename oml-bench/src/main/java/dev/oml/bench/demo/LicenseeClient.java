package dev.oml.bench.demo;

import dev.oml.core.data.Dataset;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.LicenseeArtifact;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackend;
import dev.oml.he.inference.HeInferenceClient;
import dev.oml.he.inference.HeResult;
import dev.oml.mpc.inference.InferenceResult;
import dev.oml.mpc.inference.PreparedBundle;
import dev.oml.mpc.inference.TwoPartyParameters;
import dev.oml.mpc.inference.TwoPartyUser;
import dev.oml.service.modes.HeInferenceService;
import dev.oml.service.modes.TwoPartyInferenceService;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * A licensee's side of both modes against a running owner server: asks the permit desk for each
 * permission over a pinned TLS connection and runs the queries, measuring latency, bytes and
 * rounds. Used by {@code oml demo} and {@code oml query}.
 */
public final class LicenseeClient {
  private static final TransportConfig CLIENT = TransportConfig.DEFAULT;
  /**
   * Queries per 2PC bundle: a bundle's offline flights grow with it (about 2.5 MB per Network A
   * query in the largest), and must stay under the frame limit.
   */
  static final int MAX_BUNDLE = 20;
  private final InetSocketAddress address;
  private final X509Certificate pinned;
  private final SigningKeyPair licensee;
  private final Consumer<String> log;
  private final SecureRandom rng = new SecureRandom();
  private final Clock clock = Clock.systemUTC();

  public LicenseeClient(InetSocketAddress address, X509Certificate pinned, SigningKeyPair licensee,
      Consumer<String> log) {
    this.address = address;
    this.pinned = pinned;
    this.licensee = licensee;
    this.log = log;
  }

  /** A permission from the owner's permit desk for {@code n} inferences bound to {@code binding}. */
  public PermissionToken permit(LicenseeArtifact artifact, InferenceMode mode, int n, Binding binding) {
    try (FramedChannel desk = ServiceClient.open(address, pinned, PermitService.NAME, CLIENT)) {
      return PermitService.request(desk, PermitRequest.create(licensee, artifact.modelId(), mode, n,
          binding, clock.instant()));
    }
  }

  /**
   * Runs every image of {@code images} as one 2PC bundle; {@code model} is the plaintext model
   * the labels are compared with (the owner's, for the demo; the artifact's architecture has no
   * weights).
   */
  public Demo.ModeFigures twoParty(LicenseeArtifact artifact, Model model, Dataset images, double plainMs) {
    int n = images.size();
    int bundleSize = Math.min(n, MAX_BUNDLE);
    log.accept("user: 2PC, " + n + " queries in bundles of up to " + bundleSize
        + " (one permission per bundle)");
    TwoPartyUser user = new TwoPartyUser(artifact, licensee,
        TwoPartyParameters.standard(artifact.manifest().format()), rng);
    FloatInference reference = new FloatInference(model);
    int correct = 0;
    int agree = 0;
    long t0 = System.nanoTime();
    long bytes = 0;
    long rounds = 0;
    for (int from = 0; from < n; from += bundleSize) {
      int m = Math.min(bundleSize, n - from);
      // A bundle lives in the owner's session of the connection that prepared it.
      try (FramedChannel ch = ServiceClient.open(address, pinned, TwoPartyInferenceService.NAME,
          CLIENT)) {
        PreparedBundle bundle = user.prepare(ch, m, (count, binding) ->
            permit(artifact, InferenceMode.TWO_PARTY, count, binding));
        for (int i = from; i < from + m; i++) {
          InferenceResult r = user.infer(ch, bundle, images.image(i));
          correct += r.label() == images.label(i) ? 1 : 0;
          agree += r.label() == reference.label(images.image(i)) ? 1 : 0;
        }
        bytes += ch.bytesSent() + ch.bytesReceived();
        rounds += 2 * ch.roundsSent();
      }
    }
    double ms = (System.nanoTime() - t0) / 1e6 / n;
    log.accept(String.format(java.util.Locale.ROOT, "user: 2PC done, %d/%d correct, %.0f ms per query", correct, n, ms));
    return new Demo.ModeFigures("2pc", n, (double) correct / n, (double) agree / n, ms, bytes / n,
        Math.round((double) rounds / n), ms / plainMs,
        "offline and online per query, bundles of " + bundleSize + ", exact ReLU, " + model.name());
  }

  /** Runs every image of {@code images} through the HE mode, one ciphertext's worth per query. */
  public Demo.ModeFigures homomorphic(LicenseeArtifact artifact, Model model, Dataset images,
      HeBackend heBackend, double plainMs) {
    int n = images.size();
    log.accept("user: HE, receiving the plan and sending session keys");
    FloatInference reference = new FloatInference(model);
    try (FramedChannel ch = ServiceClient.open(address, pinned, HeInferenceService.NAME, CLIENT)) {
      HeInferenceClient client = HeInferenceClient.connect(ch, heBackend, licensee);
      long keyBytes = ch.bytesSent() + ch.bytesReceived();
      int perQuery = client.session().plan().imagesPerCiphertext();
      int correct = 0;
      int agree = 0;
      int queries = 0;
      long t0 = System.nanoTime();
      for (int from = 0; from < n; from += perQuery) {
        int count = Math.min(perQuery, n - from);
        double[][] batch = new double[count][];
        for (int i = 0; i < count; i++) {
          batch[i] = images.image(from + i);
        }
        log.accept("user: HE query of " + count + " images in one ciphertext");
        HeResult r = client.infer(batch, q -> permit(artifact,
            InferenceMode.HOMOMORPHIC, q.images(), Binding.ofFirstMessage(q.payload())));
        queries++;
        for (int i = 0; i < count; i++) {
          correct += r.label(i) == images.label(from + i) ? 1 : 0;
          agree += r.label(i) == reference.label(batch[i]) ? 1 : 0;
        }
      }
      double ms = (System.nanoTime() - t0) / 1e6 / n;
      long queryBytes = (ch.bytesSent() + ch.bytesReceived() - keyBytes) / queries;
      return new Demo.ModeFigures("he", n, (double) correct / n, (double) agree / n, ms, queryBytes, 2,
          ms / plainMs, "per image, " + perQuery + " images per query, " + heBackend.name()
              + " backend, kappa " + client.session().plan().kappa() + ", session keys "
              + keyBytes / 1_000_000 + " MB once, " + model.name());
    }
  }

}
