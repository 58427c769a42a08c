package dev.oml.bench.jmh;

import dev.oml.core.OmlException;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.FieldOmlizer;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.inference.InferenceResult;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.PreparedBundle;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.TwoPartyParameters;
import dev.oml.mpc.inference.TwoPartyUser;
import dev.oml.mpc.internal.Parallel;
import dev.oml.mpc.tier2.PermittedTier2Owner;
import dev.oml.mpc.tier2.Tier2Owner;
import dev.oml.mpc.tier2.Tier2User;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One two-party tier of a model split into the steps a benchmark times apart: {@link #open} a
 * session (owner on its own thread over a fresh in-memory channel pair), {@link #prepare} a
 * bundle (permission issued, verified and spent; the offline phase), {@link #query} one online
 * query, {@link #close} the session. Between the steps it reads the licensee's byte counters
 * and the owner thread's CPU time, and it checks an answer against the reference of its tier
 * (tier 1: the ring fixed-point model; tier 2: the field fixed-point model), so a benchmark of a
 * broken run fails instead of timing it.
 */
abstract class TierRun implements AutoCloseable {
  /** One query's answer: the logits (ring or field elements) if revealed, and the label. */
  record Answer(long[] logits, int label) {}

  final SecureRandom rng = new SecureRandom();
  final Clock clock = Clock.systemUTC();
  final SigningKeyPair ownerKey = SigningKeyPair.generate(rng);
  final SigningKeyPair licensee = SigningKeyPair.generate(rng);
  final OutputPolicy policy;
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final ExecutorService ownerThread;
  private final long ownerThreadId;
  private InMemoryChannel user;
  private Future<?> served;
  private long closedBytesSent;
  private long closedBytesReceived;

  TierRun(OutputPolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
    if (!threads.isCurrentThreadCpuTimeSupported()) {
      throw new IllegalStateException("this JVM cannot measure thread CPU time");
    }
    threads.setThreadCpuTimeEnabled(true);
    ownerThread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "oml-tiers-owner");
      t.setDaemon(true);
      return t;
    });
    try {
      ownerThreadId = ownerThread.submit(() -> Thread.currentThread().getId()).get();
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException("the owner's thread did not start", e);
    }
  }

  /** Tier {@code "tier1"} or {@code "tier2"} of {@code model}, revealing {@code policy}. */
  static TierRun of(String tier, Model model, OutputPolicy policy) {
    return switch (tier) {
      case "tier1" -> new Tier1(model, policy);
      case "tier2" -> new Tier2(model, policy);
      default -> throw new IllegalArgumentException("tier must be tier1 or tier2, not " + tier);
    };
  }

  PermissionPolicy permissionPolicy(PermissionPolicy.Builder b) {
    return b.licensee(licensee.publicKey(), Long.MAX_VALUE / 4)
        .maxInferencesPerPermission(1 << 20)
        .validity(Duration.ofHours(24))
        .build();
  }

  /** Starts a session: the owner waits for the licensee's first message on its own thread. */
  final void open() {
    if (user != null) {
      throw new IllegalStateException("a session is open");
    }
    InMemoryChannel.Pair pair = InMemoryChannel.pair(Duration.ofMinutes(10));
    user = pair.first();
    InMemoryChannel o = pair.second();
    served = ownerThread.submit(() -> serve(o));
  }

  /** The owner's side of one bundle, on the owner's thread; returns when the licensee hangs up. */
  abstract void serve(InMemoryChannel owner);

  /** The offline phase of a bundle of {@code n} queries, permission included. */
  abstract Object prepare(int n);

  /** One online query of the prepared bundle on {@code image}. */
  abstract Answer query(double[] image);

  /** Queries the prepared bundle can still run (0 if none is prepared). */
  abstract int remaining();

  /** The reference's answer for {@code image}, to compare with {@link #query}'s. */
  abstract Answer expected(double[] image);

  /** Whether {@code got} is the reference's answer for {@code image} (logits bit for bit). */
  final boolean agrees(double[] image, Answer got) {
    Answer want = expected(image);
    if (got.logits() != null) {
      return Arrays.equals(want.logits(), got.logits());
    }
    return want.label() == got.label();
  }

  /** The licensee's channel of the open session (for the subclasses' protocol calls). */
  final InMemoryChannel channel() {
    if (user == null) {
      throw new IllegalStateException("no session is open");
    }
    return user;
  }

  /** Bytes the licensee sent over every session so far (licensee to owner). */
  final long bytesToOwner() {
    return closedBytesSent + (user == null ? 0 : user.bytesSent());
  }

  /** Bytes the licensee received over every session so far (owner to licensee). */
  final long bytesToLicensee() {
    return closedBytesReceived + (user == null ? 0 : user.bytesReceived());
  }

  /**
   * CPU time of the owner's thread so far, with what it handed to a helper thread, in
   * nanoseconds (the owner's whole cost per query).
   */
  final long ownerCpuNanos() {
    long t = threads.getThreadCpuTime(ownerThreadId);
    if (t < 0) {
      throw new IllegalStateException("the owner thread's CPU time is not available");
    }
    return t + Parallel.helperCpuNanos(ownerThreadId);
  }

  /**
   * Ends the session: the licensee hangs up (between queries, which ends a bundle early without
   * an abort) and the owner's side must return normally.
   */
  final void closeSession() {
    if (user == null) {
      return;
    }
    InMemoryChannel u = user;
    closedBytesSent += u.bytesSent();
    closedBytesReceived += u.bytesReceived();
    user = null;
    u.close();
    forgetBundle();
    try {
      served.get(2, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the owner's side of the bundle failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the owner's side of the bundle did not end", e);
    }
  }

  /** Drops the licensee's prepared bundle after the session ends. */
  abstract void forgetBundle();

  @Override
  public void close() {
    try {
      closeSession();
    } finally {
      ownerThread.shutdownNow();
    }
  }

  /** Tier 1: Z_2^l shares, BFV cross products offline, garbled ReLU (dev.oml.mpc.inference). */
  private static final class Tier1 extends TierRun {
    private final Omlization oml;
    private final PermissionIssuer issuer;
    private final TwoPartyOwner owner;
    private final TwoPartyUser user;
    private final FixedPointInference reference;
    private final dev.oml.core.fixedpoint.FixedPointFormat format;
    private PreparedBundle bundle;

    Tier1(Model model, OutputPolicy policy) {
      super(policy);
      oml = Omlizer.omlize(model, ownerKey.publicKey(), licensee.publicKey(), rng);
      PermissionPolicy pp = permissionPolicy(PermissionPolicy.builder().model(oml.keyShare()));
      issuer = new PermissionIssuer(ownerKey, pp, clock, rng);
      PermissionGate gate = new PermissionGate(
          new PermissionVerifier(ownerKey.publicKey(), pp, clock), new InMemoryLedger(pp::quotaOf));
      TwoPartyParameters params = TwoPartyParameters.standard(model.format());
      owner = new TwoPartyOwner(oml.keyShare(), gate, params, policy, rng);
      user = new TwoPartyUser(oml.artifact(), licensee, params, policy, rng);
      reference = new FixedPointInference(QuantizedModel.of(model));
      format = model.format();
    }

    @Override
    void serve(InMemoryChannel o) {
      owner.newSession().serve(o);
    }

    @Override
    Object prepare(int n) {
      bundle = user.prepare(channel(), n, (count, binding) -> issuer.issue(PermitRequest.create(
          licensee, oml.artifact().modelId(), InferenceMode.TWO_PARTY, count, binding,
          clock.instant())));
      return bundle;
    }

    @Override
    Answer query(double[] image) {
      InferenceResult r = user.infer(channel(), bundle, image);
      return new Answer(r.hasLogits() ? r.logits() : null, r.label());
    }

    @Override
    int remaining() {
      return bundle == null ? 0 : bundle.remaining();
    }

    @Override
    Answer expected(double[] image) {
      long[] logits = reference.logits(reference.encodeInput(image));
      return new Answer(logits, FixedPointInference.argmax(format, logits));
    }

    @Override
    void forgetBundle() {
      bundle = null;
    }
  }

  /** Tier 2: F_p shares with MACs, VOLE, the offline HE step, garbled circuits over F_p. */
  private static final class Tier2 extends TierRun {
    private final FieldOmlizer.Result oml;
    private final PermissionIssuer issuer;
    private final PermittedTier2Owner owner;
    private final Tier2User user;
    private final FieldFixedPointInference reference;
    private Tier2User.Bundle bundle;

    Tier2(Model model, OutputPolicy policy) {
      super(policy);
      OfflineHe he = OfflineHe.standard();
      int f = model.format().fractionalBits();
      oml = FieldOmlizer.omlize(model, f, ownerKey.publicKey(), licensee.publicKey(), rng);
      PermissionPolicy pp = permissionPolicy(PermissionPolicy.builder().model(oml.keyShare()));
      issuer = new PermissionIssuer(ownerKey, pp, clock, rng);
      PermissionGate gate = new PermissionGate(
          new PermissionVerifier(ownerKey.publicKey(), pp, clock), new InMemoryLedger(pp::quotaOf));
      owner = new PermittedTier2Owner(new Tier2Owner(oml.keyShare(), SecretAccess.get(), he, rng),
          oml.keyShare().modelId(), gate, policy);
      user = new Tier2User(oml.artifact(), he, rng);
      reference = new FieldFixedPointInference(FieldQuantizedModel.of(model, f));
    }

    @Override
    void serve(InMemoryChannel o) {
      owner.serve(o, o.receive());
    }

    @Override
    Object prepare(int n) {
      bundle = user.prepare(channel(), licensee, n, policy, (count, binding) -> issuer.issue(
          PermitRequest.create(licensee, oml.artifact().modelId(), InferenceMode.TWO_PARTY, count,
              binding, clock.instant())));
      return bundle;
    }

    @Override
    Answer query(double[] image) {
      Tier2User.Result r = bundle.query(channel(), user.encodeInput(image));
      return new Answer(r.logits(), r.label());
    }

    @Override
    int remaining() {
      return bundle == null ? 0 : bundle.remaining();
    }

    @Override
    Answer expected(double[] image) {
      long[] logits = reference.logits(reference.encodeInput(image));
      return new Answer(logits, FieldFixedPointInference.argmax(logits));
    }

    @Override
    void forgetBundle() {
      bundle = null;
    }
  }

  /** Thrown by a benchmark's check when an answer differs from its reference. */
  static final class WrongAnswerException extends OmlException {
    private static final long serialVersionUID = 1L;

    WrongAnswerException(String message) {
      super(message);
    }
  }
}
