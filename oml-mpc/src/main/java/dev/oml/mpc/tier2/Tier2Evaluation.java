package dev.oml.mpc.tier2;

import dev.oml.core.data.Dataset;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.FieldOmlizer;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.internal.OwnerThread;
import dev.oml.mpc.internal.Parallel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * Runs the served two-party protocol (tier 2) in one process on a model, for measurements and
 * agreement checks: it OMLizes the model into the field for a fresh licensee, serves bundles with
 * a {@link PermittedTier2Owner} on its own thread over an in-memory channel, and compares every
 * output with the field reference ({@link FieldFixedPointInference}) bit for bit. Besides time and
 * bytes per phase it reports the owner's thread CPU time per query: what a model owner pays per
 * served query.
 *
 * <p>Use: {@code try (Tier2Evaluation ev = Tier2Evaluation.create(model, f, policy, he, rng)) {
 * Summary s = ev.evaluate(dataset, 0, 20, progress); }}. Close it to stop the owner's thread.
 */
public final class Tier2Evaluation implements AutoCloseable {
  /**
   * Per-query figures; {@code agrees} means bit-exact equality with the field reference.
   * Offline time, bytes and both parties' CPU (each party's thread plus the helper threads it
   * handed work to) are the bundle's divided by its size; rounds are flights (both directions).
   */
  public record QueryFigures(int label, boolean agrees, double offlineMs, double onlineMs,
      long offlineBytes, long onlineBytes, long offlineRounds, long onlineRounds,
      double ownerCpuMs, double licenseeCpuMs) {}

  /** Figures over a dataset, per query on average. */
  public record Summary(int images, int bundleSize, double agreement, double accuracy,
      double offlineMs, double onlineMs, double offlineBytes, double onlineBytes,
      double offlineRounds, double onlineRounds, double ownerCpuMs, double licenseeCpuMs) {}

  private final Tier2User user;
  private final PermittedTier2Owner owner;
  private final PermissionIssuer issuer;
  private final SigningKeyPair licensee;
  private final FieldOmlizer.Result oml;
  private final FieldFixedPointInference reference;
  private final OutputPolicy policy;
  private final Clock clock = Clock.systemUTC();
  private final OwnerThread ownerThread;
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

  private Tier2Evaluation(Model model, int f, OutputPolicy policy, OfflineHe he, SecureRandom rng) {
    this.policy = policy;
    SigningKeyPair ownerKey = SigningKeyPair.generate(rng);
    licensee = SigningKeyPair.generate(rng);
    oml = FieldOmlizer.omlize(model, f, ownerKey.publicKey(), licensee.publicKey(), rng);
    PermissionPolicy pp = PermissionPolicy.builder()
        .licensee(licensee.publicKey(), Long.MAX_VALUE / 4)
        .model(oml.keyShare())
        .maxInferencesPerPermission(1 << 20)
        .validity(Duration.ofHours(24))
        .build();
    issuer = new PermissionIssuer(ownerKey, pp, clock, rng);
    PermissionGate gate = new PermissionGate(new PermissionVerifier(ownerKey.publicKey(), pp, clock),
        new InMemoryLedger(pp::quotaOf));
    owner = new PermittedTier2Owner(new Tier2Owner(oml.keyShare(), SecretAccess.get(), he, rng),
        oml.keyShare().modelId(), gate, policy);
    user = new Tier2User(oml.artifact(), he, rng);
    reference = new FieldFixedPointInference(FieldQuantizedModel.of(model, f));
    ownerThread = new OwnerThread("oml-tier2-owner");
  }

  /**
   * An evaluation of {@code model} at {@code f} fractional bits, output {@code policy}, offline
   * HE step {@code he} ({@link OfflineHe#standard()} for the served parameters).
   *
   * @throws dev.oml.mpc.inference.UnsupportedLayerException if the two-party mode cannot run it
   * @throws dev.oml.core.reference.FieldRangeException if it does not fit the field at {@code f}
   */
  public static Tier2Evaluation create(Model model, int f, OutputPolicy policy, OfflineHe he,
      SecureRandom rng) {
    return new Tier2Evaluation(Objects.requireNonNull(model, "model"), f,
        Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(he, "he"),
        Objects.requireNonNull(rng, "rng"));
  }

  /** The in-memory OMLization (artifact and key share). */
  public FieldOmlizer.Result omlization() {
    return oml;
  }

  /**
   * Runs {@code images.length} queries as one bundle (one permission for all of them).
   *
   * @throws ProtocolAbortException or another {@code OmlException} if either side fails
   */
  public QueryFigures[] runBundle(double[][] images) {
    int n = images.length;
    InMemoryChannel.Pair pair = InMemoryChannel.pair(Duration.ofMinutes(5));
    InMemoryChannel u = pair.first();
    InMemoryChannel o = pair.second();
    long[] ownerCpu = new long[1];
    Runnable serve = () -> {
      // the owner's thread, plus what it handed to a helper thread (Parallel)
      long c0 = threads.getCurrentThreadCpuTime() + Parallel.helperCpuNanos();
      try {
        owner.serve(o, o.receive());
      } finally {
        ownerCpu[0] = threads.getCurrentThreadCpuTime() + Parallel.helperCpuNanos() - c0;
      }
    };
    double[] onMs = new double[n];
    long[] on = new long[n];
    long[] onRounds = new long[n];
    double[] offline = new double[3];
    long[] licenseeCpu = new long[1];
    Tier2User.Result[] results = ownerThread.run(serve, u, () -> {
      long c0 = threads.getCurrentThreadCpuTime() + Parallel.helperCpuNanos();
      long t0 = System.nanoTime();
      Tier2User.Bundle bundle = user.prepare(u, licensee, n, policy, (count, binding) ->
          issuer.issue(PermitRequest.create(licensee, oml.artifact().modelId(),
              InferenceMode.TWO_PARTY, count, binding, clock.instant())));
      offline[0] = (System.nanoTime() - t0) / 1e6 / n;
      offline[1] = (double) (u.bytesSent() + u.bytesReceived()) / n;
      offline[2] = 2 * u.roundsSent();
      Tier2User.Result[] rs = new Tier2User.Result[n];
      for (int i = 0; i < n; i++) {
        long b0 = u.bytesSent() + u.bytesReceived();
        long r0 = u.roundsSent();
        long t1 = System.nanoTime();
        rs[i] = bundle.query(u, user.encodeInput(images[i]));
        onMs[i] = (System.nanoTime() - t1) / 1e6;
        on[i] = u.bytesSent() + u.bytesReceived() - b0;
        onRounds[i] = 2 * (u.roundsSent() - r0);
      }
      licenseeCpu[0] = threads.getCurrentThreadCpuTime() + Parallel.helperCpuNanos() - c0;
      return rs;
    });
    // the owner's side has ended: its CPU time is final
    double cpuMs = ownerCpu[0] / 1e6 / n;
    QueryFigures[] out = new QueryFigures[n];
    for (int i = 0; i < n; i++) {
      out[i] = new QueryFigures(results[i].label(), agrees(images[i], results[i]), offline[0],
          onMs[i], Math.round(offline[1]), on[i], (long) offline[2], onRounds[i], cpuMs,
          licenseeCpu[0] / 1e6 / n);
    }
    return out;
  }

  private boolean agrees(double[] image, Tier2User.Result res) {
    long[] ref = reference.logits(reference.encodeInput(image));
    if (res.logits() != null) {
      return Arrays.equals(ref, res.logits());
    }
    return res.label() == FieldFixedPointInference.argmax(ref);
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
    double[] sums = new double[8];
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
        sums[0] += f[i].offlineMs();
        sums[1] += f[i].onlineMs();
        sums[2] += f[i].offlineBytes();
        sums[3] += f[i].onlineBytes();
        sums[4] += f[i].offlineRounds();
        sums[5] += f[i].onlineRounds();
        sums[6] += f[i].ownerCpuMs();
        sums[7] += f[i].licenseeCpuMs();
      }
      progress.accept(start + m);
    }
    return new Summary(n, bundleSize, (double) agree / n, (double) correct / n, sums[0] / n,
        sums[1] / n, sums[2] / n, sums[3] / n, sums[4] / n, sums[5] / n, sums[6] / n,
        sums[7] / n);
  }

  /** Stops the owner's worker thread. */
  @Override
  public void close() {
    ownerThread.close();
  }
}
