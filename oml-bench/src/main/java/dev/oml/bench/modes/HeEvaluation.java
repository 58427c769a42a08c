package dev.oml.bench.modes;

import dev.oml.core.data.Dataset;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.he.HeBackend;
import dev.oml.he.inference.HeCompiledModel;
import dev.oml.he.inference.HeInferenceClient;
import dev.oml.he.inference.HeInferencePlan;
import dev.oml.he.inference.HePacking;
import dev.oml.he.inference.HePlanOptions;
import dev.oml.he.inference.HeResult;
import dev.oml.service.modes.HeInferenceService;
import dev.oml.service.modes.HePackingPolicy;
import dev.oml.service.server.OwnerService;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The HE mode end to end in one process, for {@code oml evaluate --mode he}: an owner with a
 * permit issuer, verifier, in-memory ledger and gate runs {@link HeInferenceService} on a worker
 * thread; the user runs {@link HeInferenceClient} over an {@link InMemoryChannel}, asking for one
 * permission per query (as many images per query as the plan packs). The owner serves the rows
 * packing, the batch packing or both ({@link HePackingPolicy}); with both, the user picks one by
 * the number of images of the run ({@link HePacking#forImages}). HE labels are compared with the
 * float model's; time, bytes per query and the one-off key bytes are measured.
 */
public final class HeEvaluation implements AutoCloseable {
  /** Figures over a dataset; time and bytes are per image and per query. */
  public record Summary(int images, double agreement, double accuracy, double msPerImage,
      double bytesPerQuery, long keyBytes, String backend, int imagesPerQuery, int kappa,
      HeInferencePlan plan) {}

  private final Model model;
  private final HeBackend backend;
  private final SigningKeyPair licensee;
  private final ModelId modelId;
  private final PermissionIssuer issuer;
  private final HeCompiledModel compiled;
  private final java.util.Map<HePacking, HeCompiledModel> plans = new java.util.EnumMap<>(
      HePacking.class);
  private final OwnerService service;
  private final ExecutorService ownerThread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "oml-he-owner");
    t.setDaemon(true);
    return t;
  });
  private final Clock clock = Clock.systemUTC();

  /**
   * Compiles {@code model} for the HE mode at 128-bit parameters.
   *
   * @param kappa the flooding's statistical parameter, stated in the plan
   * @param precisionBits the absolute precision {@code 2^-bits} the logits keep
   * @param calibration inputs whose activations bound the noise estimate
   * @throws dev.oml.he.inference.UnsupportedModelException for models the mode cannot run
   */
  public HeEvaluation(Model model, HeBackend backend, int kappa, int precisionBits,
      double[][] calibration, SecureRandom rng) {
    this(model, backend, kappa, precisionBits, calibration, rng, 16384);
  }

  /**
   * The same at ring degree {@code ringDegree} (16384 or 32768; at 32768 and {@code kappa >= 40}
   * the planner takes two primes per level).
   */
  public HeEvaluation(Model model, HeBackend backend, int kappa, int precisionBits,
      double[][] calibration, SecureRandom rng, int ringDegree) {
    this(model, backend, kappa, precisionBits, calibration, rng, ringDegree, HePackingPolicy.ROWS);
  }

  /**
   * The same with the owner serving the packings of {@code packing} (each its own plan; with
   * {@link HePackingPolicy#AUTO} both, and the run's size picks one).
   */
  public HeEvaluation(Model model, HeBackend backend, int kappa, int precisionBits,
      double[][] calibration, SecureRandom rng, int ringDegree, HePackingPolicy packing) {
    this.model = model;
    this.backend = backend;
    SigningKeyPair owner = SigningKeyPair.generate(rng);
    licensee = SigningKeyPair.generate(rng);
    byte[] id = new byte[32];
    rng.nextBytes(id);
    modelId = ModelId.of(id);
    PermissionPolicy policy = PermissionPolicy.builder()
        .licensee(licensee.publicKey(), Long.MAX_VALUE / 4)
        .model(modelId, licensee.keyId())
        .maxInferencesPerPermission(1 << 20)
        .validity(Duration.ofHours(24))
        .build();
    issuer = new PermissionIssuer(owner, policy, clock, rng);
    PermissionGate gate = new PermissionGate(new PermissionVerifier(owner.publicKey(), policy, clock),
        new InMemoryLedger(policy::quotaOf));
    for (HePacking p : packing.packings()) {
      plans.put(p, HeCompiledModel.compile(model, modelId, backend, HePlanOptions.builder()
          .kappa(kappa).answerPrecisionBits(precisionBits).calibration(calibration)
          .ringDegree(ringDegree).packing(p).build()));
    }
    compiled = plans.values().iterator().next();
    service = new HeInferenceService(plans.values(), gate);
  }

  /**
   * The compiled model of the first packing served (the rows packing where both are); {@link
   * Summary#plan()} is the plan a run used.
   */
  public HeCompiledModel compiled() {
    return compiled;
  }

  /**
   * Runs the first {@code limit} images of {@code data} (all if {@code limit <= 0}) in one
   * session, one permitted query per ciphertext's worth of images.
   */
  public Summary evaluate(Dataset data, int limit, IntConsumer progress) throws Exception {
    int n = limit <= 0 ? data.size() : Math.min(limit, data.size());
    InMemoryChannel.Pair pair = InMemoryChannel.pair(Duration.ofMinutes(10));
    Future<?> served = ownerThread.submit(() -> service.serve(pair.second(),
        new OwnerService.SessionInfo(1, "in-memory")));
    FloatInference fl = new FloatInference(model);
    int agree = 0;
    int correct = 0;
    long queryBytes = 0;
    int queries = 0;
    long keyBytes;
    double ms;
    HeInferencePlan used;
    try {
      HePacking want = plans.size() == 1 ? plans.keySet().iterator().next()
          : HePacking.forImages(n, HePacking.DEFAULT_BATCH_CROSSOVER);
      HeInferenceClient client = HeInferenceClient.request(pair.first(), licensee, modelId, want,
          true).accept(backend);
      used = client.session().plan();
      keyBytes = client.sessionKeyBytes();
      int batch = used.imagesPerCiphertext();
      long t0 = System.nanoTime();
      for (int from = 0; from < n; from += batch) {
        int count = Math.min(batch, n - from);
        double[][] imgs = new double[count][];
        for (int i = 0; i < count; i++) {
          imgs[i] = data.image(from + i);
        }
        HeResult r = client.infer(imgs, q -> issuer.issue(PermitRequest.create(licensee, modelId,
            InferenceMode.HOMOMORPHIC, q.images(), q.binding(), clock.instant())));
        queryBytes += client.lastQueryBytes() + client.lastAnswerBytes();
        queries++;
        for (int i = 0; i < count; i++) {
          agree += r.label(i) == fl.label(imgs[i]) ? 1 : 0;
          correct += r.label(i) == data.label(from + i) ? 1 : 0;
        }
        progress.accept(from + count);
      }
      ms = (System.nanoTime() - t0) / 1e6 / n;
    } finally {
      pair.first().close();
    }
    served.get(1, TimeUnit.MINUTES);
    return new Summary(n, (double) agree / n, (double) correct / n, ms, (double) queryBytes / queries,
        keyBytes, backend.name(), used.imagesPerCiphertext(), used.kappa(), used);
  }

  @Override
  public void close() {
    ownerThread.shutdownNow();
  }
}
