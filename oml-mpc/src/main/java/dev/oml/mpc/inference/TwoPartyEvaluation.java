package dev.oml.mpc.inference;

import dev.oml.core.data.Dataset;
import dev.oml.core.fixedpoint.FixedPointOverflowException;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.internal.OwnerThread;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * Two-party inference end to end in one process, for evaluation and benchmarks: OMLizes a model
 * in memory for a fresh licensee, sets up the owner's permit issuer, verifier, in-memory ledger
 * and gate, and runs the owner's session on a worker thread and the user in the caller's thread
 * over an {@link InMemoryChannel}. Each query is checked against the fixed-point reference of the
 * same model ({@link FixedPointInference}) and measured: offline and online wall time, bytes in
 * both directions, and flights.
 *
 * <p>Use: {@code try (TwoPartyEvaluation ev = TwoPartyEvaluation.create(model, policy, rng)) {
 * Summary s = ev.evaluate(dataset, 1, progress); }}. Close it to stop the owner's thread.
 */
public final class TwoPartyEvaluation implements AutoCloseable {
  /**
   * Per-query figures; {@code agrees} means bit-exact equality with the reference. Offline time
   * and bytes are the bundle's divided by its size; offline rounds are the bundle's flights (both
   * directions), which do not grow with its size; online rounds are this query's flights.
   */
  public record QueryFigures(int label, boolean agrees, double offlineMs, double onlineMs,
      long offlineBytes, long onlineBytes, long offlineRounds, long onlineRounds) {}

  /**
   * Figures over a dataset, per query on average (offline figures are those of the bundles
   * divided by their size). {@code agreement} is the fraction of images whose two-party output
   * equals the fixed-point reference exactly (an image on which the reference overflows counts
   * as a disagreement); {@code accuracy} is against the dataset's labels.
   */
  public record Summary(int images, int bundleSize, double agreement, double accuracy,
      double offlineMs, double onlineMs, double offlineBytes, double onlineBytes,
      double offlineRounds, double onlineRounds) {}

  private final Model model;
  private final TwoPartyUser user;
  private final TwoPartyOwner owner;
  private final PermissionIssuer issuer;
  private final SigningKeyPair licensee;
  private final Omlization omlization;
  private final FixedPointInference reference;
  private final Clock clock = Clock.systemUTC();
  private final OwnerThread ownerThread;

  private TwoPartyEvaluation(Model model, OutputPolicy policy, TwoPartyParameters params,
      SecureRandom rng) {
    this.model = model;
    SigningKeyPair ownerKey = SigningKeyPair.generate(rng);
    licensee = SigningKeyPair.generate(rng);
    omlization = Omlizer.omlize(model, ownerKey.publicKey(), licensee.publicKey(), rng);
    PermissionPolicy pp = PermissionPolicy.builder()
        .licensee(licensee.publicKey(), Long.MAX_VALUE / 4)
        .model(omlization.keyShare())
        .maxInferencesPerPermission(1 << 20)
        .validity(Duration.ofHours(24))
        .build();
    issuer = new PermissionIssuer(ownerKey, pp, clock, rng);
    PermissionGate gate = new PermissionGate(new PermissionVerifier(ownerKey.publicKey(), pp, clock),
        new InMemoryLedger(pp::quotaOf));
    owner = new TwoPartyOwner(omlization.keyShare(), gate, params, policy, rng);
    user = new TwoPartyUser(omlization.artifact(), licensee, params, owner.policy(), rng);
    reference = new FixedPointInference(QuantizedModel.of(model));
    ownerThread = new OwnerThread("oml-2pc-owner");
  }

  /** At the standard parameters ({@link TwoPartyParameters#standard}). */
  public static TwoPartyEvaluation create(Model model, OutputPolicy policy, SecureRandom rng) {
    return create(model, policy, TwoPartyParameters.standard(model.format()), rng);
  }

  /**
   * @throws UnsupportedLayerException if the model has a layer this mode cannot run
   */
  public static TwoPartyEvaluation create(Model model, OutputPolicy policy,
      TwoPartyParameters params, SecureRandom rng) {
    return new TwoPartyEvaluation(Objects.requireNonNull(model, "model"),
        Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(params, "params"),
        Objects.requireNonNull(rng, "rng"));
  }

  /** The effective output policy. */
  public OutputPolicy policy() {
    return owner.policy();
  }

  /** The in-memory OMLization (artifact and key share). */
  public Omlization omlization() {
    return omlization;
  }

  /**
   * Runs {@code images.length} queries as one bundle (one permission for all of them) and
   * returns per-query figures; offline figures are the bundle's divided evenly.
   *
   * @throws ProtocolAbortException or another {@code OmlException} if either side fails
   */
  public QueryFigures[] runBundle(double[][] images) {
    int n = images.length;
    InMemoryChannel.Pair pair = InMemoryChannel.pair(Duration.ofMinutes(5));
    InMemoryChannel u = pair.first();
    InMemoryChannel o = pair.second();
    TwoPartyOwner.Session session = owner.newSession();
    return ownerThread.run(() -> session.serve(o), u, () -> {
      long t0 = System.nanoTime();
      PreparedBundle bundle = user.prepare(u, n, (count, binding) -> issuer.issue(
          PermitRequest.create(licensee, omlization.artifact().modelId(), InferenceMode.TWO_PARTY,
              count, binding, clock.instant())));
      double offMs = (System.nanoTime() - t0) / 1e6 / n;
      double offBytes = (double) (u.bytesSent() + u.bytesReceived()) / n;
      // Every flight of the user is answered by exactly one flight of the owner, so flights are
      // twice the user's; counting the owner's endpoint from this thread would race with it.
      long offRounds = 2 * u.roundsSent();
      QueryFigures[] out = new QueryFigures[n];
      for (int i = 0; i < n; i++) {
        long b0 = u.bytesSent() + u.bytesReceived();
        long r0 = u.roundsSent();
        long t1 = System.nanoTime();
        InferenceResult res = user.infer(u, bundle, images[i]);
        double onMs = (System.nanoTime() - t1) / 1e6;
        long onBytes = u.bytesSent() + u.bytesReceived() - b0;
        long onRounds = 2 * (u.roundsSent() - r0);
        out[i] = new QueryFigures(res.label(), agrees(images[i], res), offMs, onMs,
            Math.round(offBytes), onBytes, offRounds, onRounds);
      }
      return out;
    });
  }

  private boolean agrees(double[] image, InferenceResult res) {
    long[] ref;
    try {
      ref = reference.logits(reference.encodeInput(image));
    } catch (FixedPointOverflowException e) {
      return false;
    }
    if (res.hasLogits()) {
      return Arrays.equals(ref, res.logits());
    }
    return res.label() == FixedPointInference.argmax(model.format(), ref);
  }

  /**
   * Evaluates the first {@code limit} images of {@code data} (all if {@code limit <= 0}) in
   * bundles of {@code bundleSize} queries.
   *
   * @param progress called with the number of images done after each bundle
   */
  public Summary evaluate(Dataset data, int limit, int bundleSize, IntConsumer progress) {
    if (bundleSize < 1) {
      throw new IllegalArgumentException("bundle size must be positive");
    }
    int n = limit <= 0 ? data.size() : Math.min(limit, data.size());
    int agree = 0;
    int correct = 0;
    double offMs = 0;
    double onMs = 0;
    double offB = 0;
    double onB = 0;
    double offR = 0;
    double onR = 0;
    for (int start = 0; start < n; start += bundleSize) {
      int m = Math.min(bundleSize, n - start);
      double[][] imgs = new double[m][];
      for (int i = 0; i < m; i++) {
        imgs[i] = data.image(start + i);
      }
      QueryFigures[] f = runBundle(imgs);
      for (int i = 0; i < m; i++) {
        agree += f[i].agrees() ? 1 : 0;
        correct += f[i].label() == data.label(start + i) ? 1 : 0;
        offMs += f[i].offlineMs();
        onMs += f[i].onlineMs();
        offB += f[i].offlineBytes();
        onB += f[i].onlineBytes();
        offR += f[i].offlineRounds();
        onR += f[i].onlineRounds();
      }
      progress.accept(start + m);
    }
    return new Summary(n, bundleSize, (double) agree / n, (double) correct / n, offMs / n,
        onMs / n, offB / n, onB / n, offR / n, onR / n);
  }

  /** Stops the owner's worker thread. */
  @Override
  public void close() {
    ownerThread.close();
  }
}
