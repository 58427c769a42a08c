package dev.oml.bench.jmh;

import dev.oml.core.data.FashionMnist;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.mpc.inference.InferenceResult;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.PreparedBundle;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.TwoPartyParameters;
import dev.oml.mpc.inference.TwoPartyUser;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The two phases of a two-party query of Network A apart: the offline preparation of a bundle of
 * one query (permission issued, verified and spent; HE cross products; garbling; OT) and the
 * online evaluation of one prepared query. Both parties in one JVM over the in-memory channel,
 * the owner on its own thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(1)
public class TwoPartyPhasesBenchmark {
  private final SecureRandom rng = new SecureRandom();
  private final Clock clock = Clock.systemUTC();
  private TwoPartyUser user;
  private TwoPartyOwner owner;
  private PermissionIssuer issuer;
  private SigningKeyPair licensee;
  private Omlization omlization;
  private double[] image;
  private ExecutorService ownerThread;
  private InMemoryChannel.Pair pair;
  private Future<?> served;
  private PreparedBundle bundle;

  @Setup(Level.Trial)
  public void setup() {
    Path home = Path.of(System.getProperty("oml.home", "."));
    Model model = ModelFiles.load(home.resolve("models/network-a.omlm"));
    image = FashionMnist.test(home.resolve("data/fashion-mnist-subset")).image(0);
    SigningKeyPair ownerKey = SigningKeyPair.generate(rng);
    licensee = SigningKeyPair.generate(rng);
    omlization = Omlizer.omlize(model, ownerKey.publicKey(), licensee.publicKey(), rng);
    PermissionPolicy policy = PermissionPolicy.builder()
        .licensee(licensee.publicKey(), Long.MAX_VALUE / 4)
        .model(omlization.keyShare())
        .maxInferencesPerPermission(1 << 20)
        .validity(Duration.ofHours(24))
        .build();
    issuer = new PermissionIssuer(ownerKey, policy, clock, rng);
    PermissionGate gate = new PermissionGate(new PermissionVerifier(ownerKey.publicKey(), policy, clock),
        new InMemoryLedger(policy::quotaOf));
    TwoPartyParameters params = TwoPartyParameters.standard(model.format());
    owner = new TwoPartyOwner(omlization.keyShare(), gate, params, OutputPolicy.LABEL, rng);
    user = new TwoPartyUser(omlization.artifact(), licensee, params, OutputPolicy.LABEL, rng);
    ownerThread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "oml-2pc-owner-bench");
      t.setDaemon(true);
      return t;
    });
  }

  private PreparedBundle prepareOne() {
    pair = InMemoryChannel.pair(Duration.ofMinutes(5));
    TwoPartyOwner.Session session = owner.newSession();
    InMemoryChannel o = pair.second();
    served = ownerThread.submit(() -> {
      try {
        session.serve(o);
      } catch (RuntimeException ended) {
        // the user closes the channel when the benchmark is done with this bundle
      }
    });
    return user.prepare(pair.first(), 1, (n, binding) -> issuer.issue(PermitRequest.create(licensee,
        omlization.artifact().modelId(), InferenceMode.TWO_PARTY, n, binding, clock.instant())));
  }

  /** Online: one prepared query per invocation (preparation outside the measurement). */
  @Setup(Level.Invocation)
  public void prepareForOnline() {
    bundle = prepareOne();
  }

  @TearDown(Level.Invocation)
  public void closeSession() throws Exception {
    pair.first().close();
    served.get(1, TimeUnit.MINUTES);
  }

  @Benchmark
  public PreparedBundle offlineBundleOfOne() {
    // The bundle prepared by the invocation setup is left unused; this one is measured.
    pair.first().close();
    try {
      served.get(1, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return prepareOne();
  }

  @Benchmark
  public InferenceResult onlineQuery() {
    return user.infer(pair.first(), bundle, image);
  }

  @TearDown(Level.Trial)
  public void stop() {
    ownerThread.shutdownNow();
  }
}
