package dev.oml.bench.jmh;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.inference.HeCompiledModel;
import dev.oml.he.inference.HeOwnerSession;
import dev.oml.he.inference.HePacking;
import dev.oml.he.inference.HePlanOptions;
import dev.oml.he.inference.HeQuery;
import dev.oml.he.inference.HeUserSession;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Owner throughput of the HE network in both packings, in one run, beside plaintext inference
 * of the same model: the owner's answer to a permitted query (admission, evaluation on a
 * two-thread pool, re-randomization and flooding at kappa 6, serialization), 128-bit parameters
 * (N = 16384). Scores are milliseconds per image ({@code @OperationsPerInvocation} is the
 * query's image count): the row packing with 16 images (two ciphertexts, one per thread) and
 * with one image, the batch packing with {@code N = 16384} images (two per slot; its cost hardly
 * depends on the image count, so one image takes the time of a full query). Images per second =
 * {@code 1000 / score}. The user's encryption is done once in the setup; each invocation gets a
 * fresh permission for the same payload. Setup prints the bytes per image, the session keys'
 * bytes and kappa. Needs about 8 GB of heap for the batch query (the fork asks for 12 GB).
 * Run from the repository root:
 * {@code java -jar oml-bench/target/benchmarks.jar HeThroughputBenchmark -p backend=java}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx12g"})
public class HeThroughputBenchmark {
  /** Images of a full batch query at N = 16384 (two per slot). */
  static final int BATCH_IMAGES = 16384;
  static final int ROW_IMAGES = 16;

  @Param({"java"})
  public String backend;

  /**
   * The row plan's rotation keys: {@code chained} (the default plan: one key per baby step size,
   * the baby steps a chain) or {@code hoisted} ({@link HePlanOptions.Builder#hoistedRotations}:
   * a key per baby step, the baby steps of a group share one decomposition, about three times
   * the session keys' bytes). The batch packing needs no rotation keys and ignores it.
   */
  @Param({"chained"})
  public String keys;

  private final Clock clock = Clock.systemUTC();
  private SigningKeyPair licensee;
  private ModelId modelId;
  private PermissionIssuer issuer;
  private PermissionGate gate;
  private ExecutorService pool;
  private HeOwnerSession rowsOwner;
  private HeOwnerSession batchOwner;
  private HeQuery rowsQuery;
  private HeQuery rowsOne;
  private HeQuery batchQuery;
  private FloatInference plain;
  private double[][] images;
  private byte[] rowsFirst;
  private byte[] rowsOneFirst;
  private byte[] batchFirst;
  private int next;

  @Setup(Level.Trial)
  public void setup() {
    Path home = Path.of(System.getProperty("oml.home", "."));
    Model m = ModelFiles.load(home.resolve("models/he-network.omlm"));
    Dataset data = FashionMnist.test(home.resolve("data/fashion-mnist-subset"));
    plain = new FloatInference(m);
    SecureRandom rng = new SecureRandom();
    SigningKeyPair owner = SigningKeyPair.generate(rng);
    licensee = SigningKeyPair.generate(rng);
    byte[] id = new byte[32];
    rng.nextBytes(id);
    modelId = ModelId.of(id);
    PermissionPolicy policy = PermissionPolicy.builder()
        .licensee(licensee.publicKey(), Long.MAX_VALUE / 4).model(modelId, licensee.keyId())
        .maxInferencesPerPermission(1 << 20).validity(Duration.ofHours(24))
        .maxClockSkew(Duration.ofMinutes(1)).build();
    issuer = new PermissionIssuer(owner, policy, clock, rng);
    gate = new PermissionGate(new PermissionVerifier(owner.publicKey(), policy, clock),
        new InMemoryLedger(policy::quotaOf));
    double[][] calibration = new double[200][];
    for (int i = 0; i < 200; i++) {
      calibration[i] = data.image(i);
    }
    images = new double[BATCH_IMAGES][];
    for (int i = 0; i < BATCH_IMAGES; i++) {
      images[i] = data.image(i % data.size());
    }
    pool = Executors.newFixedThreadPool(2);
    boolean hoisted = switch (keys) {
      case "chained" -> false;
      case "hoisted" -> true;
      default -> throw new IllegalArgumentException("keys is chained or hoisted, not " + keys);
    };
    HeCompiledModel rows = HeCompiledModel.compile(m, modelId, Backends.byName(backend),
        HePlanOptions.builder().kappa(6).answerPrecisionBits(4).hoistedRotations(hoisted)
            .calibration(calibration).build());
    // kappa 6 in both packings; the batch flood covers every slot of an answer as an output, so
    // at kappa 6 it keeps 1 bit of answer precision (the row packing 4)
    HeCompiledModel batch = HeCompiledModel.compile(m, modelId, Backends.byName(backend),
        HePlanOptions.builder().kappa(6).answerPrecisionBits(1).packing(HePacking.BATCH)
            .calibration(calibration).build());
    HeUserSession rowsUser = HeUserSession.open(Backends.byName(backend), rows.plan().encode());
    HeUserSession batchUser = HeUserSession.open(Backends.byName(backend),
        batch.plan().encode());
    rowsOwner = new HeOwnerSession(rows, gate, pool);
    rowsOwner.acceptKeys(rowsUser.sessionKeys());
    batchOwner = new HeOwnerSession(batch, gate, pool);
    batchOwner.acceptKeys(batchUser.sessionKeys());
    rowsQuery = rowsUser.encrypt(java.util.Arrays.copyOf(images, ROW_IMAGES));
    rowsOne = rowsUser.encrypt(java.util.Arrays.copyOf(images, 1));
    batchQuery = batchUser.encrypt(images);
    System.out.printf("%nrows: %s%n  session keys %d bytes, query of %d images %d bytes (%d per "
        + "image)%nbatch: %s%n  session keys %d bytes, query of %d images %d bytes (%d per "
        + "image)%n", rows.plan(), rowsUser.sessionKeys().length, ROW_IMAGES,
        rowsQuery.payload().length, rowsQuery.payload().length / ROW_IMAGES, batch.plan(),
        batchUser.sessionKeys().length, BATCH_IMAGES, batchQuery.payload().length,
        batchQuery.payload().length / BATCH_IMAGES);
  }

  @Setup(Level.Invocation)
  public void permits() {
    rowsFirst = permitted(rowsQuery);
    rowsOneFirst = permitted(rowsOne);
    batchFirst = permitted(batchQuery);
  }

  private byte[] permitted(HeQuery q) {
    return PermittedQuery.create(licensee, issuer.issue(PermitRequest.create(licensee, modelId,
        InferenceMode.HOMOMORPHIC, q.images(), Binding.ofFirstMessage(q.payload()),
        clock.instant())), q.payload()).encode();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pool.shutdown();
  }

  /** Row packing, 16 images in two ciphertexts evaluated in parallel. */
  @Benchmark
  @OperationsPerInvocation(ROW_IMAGES)
  public byte[] rowsSixteenImages() {
    return rowsOwner.answer(rowsFirst);
  }

  /** Row packing, one image: the latency figure. */
  @Benchmark
  public byte[] rowsOneImage() {
    return rowsOwner.answer(rowsOneFirst);
  }

  /** Batch packing, a full query of 16384 images. */
  @Benchmark
  @OperationsPerInvocation(BATCH_IMAGES)
  public byte[] batchFullQuery() {
    return batchOwner.answer(batchFirst);
  }

  /** Float64 inference of the same model, 16384 images per invocation. */
  @Benchmark
  @OperationsPerInvocation(BATCH_IMAGES)
  public int plaintext() {
    int s = 0;
    for (double[] x : images) {
      s += FloatInference.argmax(plain.logits(x));
    }
    return s;
  }
}
