package dev.oml.service;

import dev.oml.core.keys.KeyFiles;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.OmlArtifact;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionException;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ForwardingChannel;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import dev.oml.he.inference.HeInferenceClient;
import dev.oml.he.inference.HeInferencePlan;
import dev.oml.he.inference.HePacking;
import dev.oml.he.inference.HePlanDecline;
import dev.oml.he.inference.HeResult;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.tier2.Tier2User;
import dev.oml.service.modes.HeInferenceService;
import dev.oml.service.modes.TwoPartyInferenceService;
import dev.oml.service.server.ErrorCode;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.PeerAbortedException;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A licensee's handle on one OMLized model served by its owner: built once from the owner's
 * address, the owner's pinned TLS certificate, the licensee artifact and the licensee's signing
 * key, then {@link #infer} in either mode. It keeps the rules the protocols leave to a caller:
 * every query or bundle gets a fresh permission from the owner's permit desk, bound to its first
 * message; a two-party bundle (the tier-2 protocol, which holds against a licensee who
 * modifies its client) lives and dies with the connection that prepared it, so each bundle gets
 * its own connection, and a bundle holds at most {@link Builder#maxBundle} queries (its messages
 * do not grow with its size: they are per query and layer); the HE session (plan and session keys, the expensive part) is reused across calls and opened
 * again after a failure or a long pause. Where the owner serves a model in both HE packings, each
 * call picks one by its number of images ({@link Builder#heBatchCrossover}: the batch packing
 * above it, the rows packing up to it) and uses a session for that packing, opened when first
 * needed (the batch plan's session keys have no rotation key); where the owner serves one
 * packing, every call uses it, and {@link Builder#hePacking} requires one. Refusals of the owner arrive as the owner's own
 * exception types ({@link dev.oml.core.ledger.QuotaExceededException}, {@link
 * dev.oml.core.permission.UnknownLicenseeException}, ...; see {@link ErrorCode}).
 *
 * <p>Calls are serialized (one at a time per handle); use one handle per thread for parallel
 * queries, each spending the same licensee's quota. {@link #close()} ends the HE session.
 */
public final class OmlLicensee implements AutoCloseable {
  /** Default cap on queries per two-party bundle (what one permission pays for in advance). */
  public static final int DEFAULT_MAX_BUNDLE = 20;

  private final InetSocketAddress owner;
  private final X509Certificate certificate;
  private final OmlArtifact artifact;
  private final SigningKeyPair key;
  private final TransportConfig transport;
  private final HeBackend heBackend;
  private final int maxBundle;
  private final OfflineHe offlineHe;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  private final HePacking hePacking;
  private final int heBatchCrossover;
  private final boolean insecureHeForTesting;

  private Tier2User user;
  /** The open HE sessions, one per packing used so far. */
  private final Map<HePacking, HeLink> heLinks = new EnumMap<>(HePacking.class);
  /** The one packing the owner serves this model in, once it answered a request with it. */
  private HePacking heOwnerOnly;
  private HeInferencePlan lastHePlan;
  private CallRecord.HeSession heSessionRecord;
  private CallRecord lastCall;
  private long bytes;
  private long rounds;
  private long heSessionBytes;
  private boolean closed;

  private OmlLicensee(Builder b, OmlArtifact artifact, SigningKeyPair key,
      X509Certificate certificate) {
    this.owner = b.owner;
    this.certificate = certificate;
    this.artifact = artifact;
    this.key = key;
    this.transport = b.transport;
    this.heBackend = b.heBackend;
    this.maxBundle = b.maxBundle;
    this.offlineHe = b.offlineHe;
    this.clock = b.clock;
    this.hePacking = b.hePacking;
    this.heBatchCrossover = b.heBatchCrossover;
    this.insecureHeForTesting = b.insecureHeForTesting;
  }

  /** One HE session over its own connection. */
  private static final class HeLink {
    final FramedChannel channel;
    final MeteredChannel timed;
    final HeInferenceClient client;
    long lastUsedMillis;

    HeLink(FramedChannel channel, MeteredChannel timed, HeInferenceClient client, long now) {
      this.channel = channel;
      this.timed = timed;
      this.client = client;
      this.lastUsedMillis = now;
    }
  }

  /** A builder; owner, certificate, artifact and licensee key are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The model id of the artifact this handle queries. */
  public dev.oml.core.omlize.ModelId modelId() {
    return artifact.modelId();
  }

  /**
   * Runs one image (a raw input: the artifact's preprocessing is applied here) through the
   * owner's model in {@code mode}: one permission, one bundle of one query (two-party) or one
   * ciphertext (HE).
   *
   * @throws IllegalArgumentException if the image does not have the model's input size
   * @throws dev.oml.core.permission.PermissionException the owner's refusal, with its own type
   * @throws dev.oml.core.transport.ProtocolAbortException if the connection or a message fails
   */
  public synchronized Prediction infer(InferenceMode mode, double[] image) {
    return inferAll(mode, List.of(image)).get(0);
  }

  /**
   * Runs several images, given as raw inputs (the model's preprocessing, declared in the
   * artifact, is applied here; see {@link Model#preprocess}): in the two-party mode as bundles of up to the bundle size (one
   * permission and one connection each), in the HE mode as many images per query as the owner's
   * plan packs (one permission each; where the owner serves both packings, the plan of the
   * packing this call's number of images picks). The predictions are in the order of the images.
   *
   * @throws IllegalArgumentException if an image does not have the model's input size
   * @throws dev.oml.core.permission.PermissionException the owner's refusal, with its own type;
   *     the predictions of bundles finished before it are lost with it, their inferences spent
   * @throws dev.oml.core.transport.ProtocolAbortException if the connection or a message fails
   */
  public synchronized List<Prediction> inferAll(InferenceMode mode, List<double[]> images) {
    Objects.requireNonNull(mode, "mode");
    if (closed) {
      throw new IllegalStateException("this licensee handle is closed");
    }
    Model architecture = artifact.description().architecture();
    int inputs = architecture.inputShape().size();
    for (double[] x : images) {
      if (Objects.requireNonNull(x, "image").length != inputs) {
        throw new IllegalArgumentException("the model takes " + inputs + " inputs, got an image of "
            + x.length);
      }
    }
    // images are raw inputs: the preprocessing the artifact declares makes them model inputs
    List<double[]> modelInputs = new ArrayList<>(images.size());
    for (double[] x : images) {
      modelInputs.add(architecture.preprocess(x));
    }
    try {
      return mode == InferenceMode.TWO_PARTY ? twoParty(modelInputs) : homomorphic(modelInputs);
    } catch (PeerAbortedException e) {
      throw ErrorCode.toException(e);
    }
  }

  private List<Prediction> twoParty(List<double[]> images) {
    if (user == null) {
      // a version-1 artifact gets a typed error here: tier 1 is no longer served
      user = new Tier2User(artifact.requireVersion2(), offlineHe, random);
    }
    int f = artifact.requireVersion2().manifest().fractionalBits();
    List<Prediction> out = new ArrayList<>(images.size());
    List<CallRecord.Bundle> bundles = new ArrayList<>();
    try {
      for (int from = 0; from < images.size(); ) {
        int m = Math.min(maxBundle, images.size() - from);
        long t0 = System.nanoTime();
        try (FramedChannel ch = ServiceClient.open(owner, certificate, TwoPartyInferenceService.NAME,
            transport)) {
          long connected = System.nanoTime();
          MeteredChannel metered = new MeteredChannel(ch);
          long[] permitNanos = new long[1];
          Tier2User.Bundle bundle = user.prepare(metered, key, m, OutputPolicy.LOGITS, (n, binding) -> {
            long p0 = System.nanoTime();
            try {
              return permit(InferenceMode.TWO_PARTY, n, binding);
            } finally {
              permitNanos[0] += System.nanoTime() - p0;
            }
          });
          long offlineEnd = System.nanoTime();
          long offlineBytes = ch.bytesSent() + ch.bytesReceived();
          long offlineFlights = metered.flights();
          List<CallRecord.Online> online = new ArrayList<>(m);
          for (int i = from; i < from + m; i++) {
            long q0 = System.nanoTime();
            long b0 = ch.bytesSent() + ch.bytesReceived();
            metered.startPhase();
            out.add(Prediction.of(bundle.query(metered, user.encodeInput(images.get(i))), f));
            online.add(new CallRecord.Online(System.nanoTime() - q0,
                ch.bytesSent() + ch.bytesReceived() - b0, metered.flights()));
          }
          bundles.add(new CallRecord.Bundle(m, connected - t0, permitNanos[0],
              offlineEnd - connected - permitNanos[0], offlineBytes, offlineFlights, online));
          bytes += ch.bytesSent() + ch.bytesReceived();
          rounds += 2 * ch.roundsSent();
        }
        from += m;
      }
    } finally {
      // a failed call keeps the record of the bundles it finished, for whoever asks why
      lastCall = new CallRecord(InferenceMode.TWO_PARTY, images.size(), bundles, null, List.of());
    }
    return out;
  }

  private List<Prediction> homomorphic(List<double[]> images) {
    List<Prediction> out = new ArrayList<>(images.size());
    List<CallRecord.HeQuery> queries = new ArrayList<>();
    CallRecord.HeSession opened = null;
    try {
      CallRecord.HeSession before = heSessionRecord;
      HeLink link = heSession(images.size());
      opened = heSessionRecord != before ? heSessionRecord : null;
      HeInferenceClient client = link.client;
      FramedChannel heChannel = link.channel;
      MeteredChannel heTimed = link.timed;
      lastHePlan = client.session().plan();
      int perQuery = client.session().plan().imagesPerCiphertext();
      for (int from = 0; from < images.size(); from += perQuery) {
        int count = Math.min(perQuery, images.size() - from);
        double[][] batch = images.subList(from, from + count).toArray(new double[0][]);
        long bytesBefore = heChannel.bytesSent() + heChannel.bytesReceived();
        long roundsBefore = heChannel.roundsSent();
        heTimed.startPhase();
        long t0 = System.nanoTime();
        long[] permitSpan = new long[2];
        HeResult r = client.infer(batch, q -> {
          permitSpan[0] = System.nanoTime();
          try {
            return permit(InferenceMode.HOMOMORPHIC, q.images(), q.binding());
          } finally {
            permitSpan[1] = System.nanoTime();
          }
        });
        long t1 = System.nanoTime();
        long queryBytes = heChannel.bytesSent() + heChannel.bytesReceived() - bytesBefore;
        bytes += queryBytes;
        rounds += 2 * (heChannel.roundsSent() - roundsBefore);
        queries.add(new CallRecord.HeQuery(count, permitSpan[0] - t0, permitSpan[1] - permitSpan[0],
            heTimed.lastSendEnd - permitSpan[1], heTimed.lastReceiveEnd - heTimed.lastSendEnd,
            t1 - heTimed.lastReceiveEnd, t1 - t0, queryBytes, heTimed.flights()));
        for (int i = 0; i < count; i++) {
          out.add(Prediction.of(r, i));
        }
        link.lastUsedMillis = clock.millis();
      }
      return out;
    } catch (PermissionException e) {
      throw e; // the permit desk said no before anything was sent: the session is intact
    } catch (RuntimeException e) {
      closeHe(); // a failed HE session is dead; the next call opens a new one
      throw e;
    } finally {
      lastCall = new CallRecord(InferenceMode.HOMOMORPHIC, images.size(), List.of(), opened, queries);
    }
  }

  /**
   * The owner's HE plan for a call of one image (images per query, kappa, answer precision);
   * opens the HE session it uses if none is open.
   */
  public synchronized HeInferencePlan hePlan() {
    return hePlan(1);
  }

  /**
   * The owner's HE plan that a call of {@code images} images uses (where the owner serves both
   * packings, the one that number picks); opens that plan's session if it is not open.
   *
   * @throws IllegalArgumentException if {@code images < 1}
   */
  public synchronized HeInferencePlan hePlan(int images) {
    if (images < 1) {
      throw new IllegalArgumentException("a call has at least one image, got " + images);
    }
    try {
      return heSession(images).client.session().plan();
    } catch (PeerAbortedException e) {
      throw ErrorCode.toException(e);
    }
  }

  /** The plan the last HE call used (empty before the first). Read-only: for profiling. */
  public synchronized Optional<HeInferencePlan> lastHePlan() {
    return Optional.ofNullable(lastHePlan);
  }

  /** The packing a call of {@code images} images asks the owner for. */
  private HePacking wanted(int images) {
    if (hePacking != null) {
      return hePacking;
    }
    if (heOwnerOnly != null) {
      return heOwnerOnly;
    }
    return HePacking.forImages(images, heBatchCrossover);
  }

  private boolean idle(HeLink link) {
    // The owner drops a session silent past its idle timeout; a query sent on it would be lost.
    return clock.millis() - link.lastUsedMillis > transport.idleTimeout().toMillis() / 2;
  }

  private HeLink heSession(int images) {
    heLinks.entrySet().removeIf(e -> {
      if (idle(e.getValue())) {
        e.getValue().channel.close();
        return true;
      }
      return false;
    });
    HePacking want = wanted(images);
    HeLink link = heLinks.get(want);
    if (link != null) {
      return link;
    }
    long t0 = System.nanoTime();
    FramedChannel ch = ServiceClient.open(owner, certificate, HeInferenceService.NAME, transport);
    MeteredChannel timed = new MeteredChannel(ch);
    HeInferenceClient client;
    try {
      boolean required = hePacking != null;
      HeInferenceClient.PlanOffer offer = insecureHeForTesting
          ? HeInferenceClient.requestInsecureForTesting(timed, key, modelId(), want, required)
          : HeInferenceClient.request(timed, key, modelId(), want, required);
      HePacking got = offer.plan().packing();
      if (got != want) {
        // the owner serves this model in one packing only: every call uses it
        heOwnerOnly = got;
        HeLink existing = heLinks.get(got);
        if (existing != null) {
          // no keys made or sent: the open session of that packing serves
          offer.decline(HePlanDecline.SESSION_OPEN);
          long handshake = ch.bytesSent() + ch.bytesReceived();
          ch.close();
          bytes += handshake;
          heSessionBytes += handshake;
          rounds += 2 * ch.roundsSent();
          return existing;
        }
      }
      client = offer.accept(heBackend != null ? heBackend : HeBackends.preferred());
    } catch (RuntimeException e) {
      ch.close();
      throw e;
    }
    long sessionBytes = ch.bytesSent() + ch.bytesReceived();
    heSessionBytes += sessionBytes;
    bytes += sessionBytes;
    rounds += 2 * ch.roundsSent();
    // the request's last receive is the plan and the session's last flight the session keys
    heSessionRecord = new CallRecord.HeSession(timed.lastSendEnd - t0,
        timed.flightSendStart - timed.lastReceiveEnd, client.sessionKeyBytes(), sessionBytes,
        timed.flights());
    link = new HeLink(ch, timed, client, clock.millis());
    heLinks.put(client.session().plan().packing(), link);
    return link;
  }

  private void closeHe() {
    for (HeLink l : heLinks.values()) {
      l.channel.close();
    }
    heLinks.clear();
    heOwnerOnly = null; // learned again from the next session's plan
  }

  private PermissionToken permit(InferenceMode mode, int n, Binding binding) {
    try (FramedChannel desk = ServiceClient.open(owner, certificate, PermitService.NAME, transport)) {
      return PermitService.request(desk, PermitRequest.create(key, artifact.modelId(), mode, n,
          binding, clock.instant()));
    }
  }

  /** What this handle's inference connections carried so far (not counting the permit desk). */
  public record Traffic(long bytes, long rounds, long heSessionBytes) {}

  /**
   * Payload bytes both ways and flights on inference connections so far; {@code heSessionBytes}
   * is the part spent opening HE sessions (plan and session keys), included in {@code bytes}.
   */
  public synchronized Traffic traffic() {
    return new Traffic(bytes, rounds, heSessionBytes);
  }

  /**
   * Phase by phase, what the last {@link #infer} or {@link #inferAll} call did (also one that
   * failed, up to where it failed), or empty before the first call. Read-only: for profiling.
   */
  public synchronized Optional<CallRecord> lastCall() {
    return Optional.ofNullable(lastCall);
  }

  /**
   * How the current HE session (or, after it ended, the last one) was opened: its time, the
   * licensee's key generation within it, the session keys' size; empty if no HE session was
   * opened yet. {@link #hePlan()} may open the session; the record tells its cost apart from the
   * queries'.
   */
  public synchronized Optional<CallRecord.HeSession> heSessionRecord() {
    return Optional.ofNullable(heSessionRecord);
  }

  /** The most queries one two-party bundle holds (one permission and connection each). */
  public synchronized int bundleSize() {
    return maxBundle;
  }

  /** Ends the HE session, if one is open. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    closeHe();
  }

  /**
   * An inference connection as the protocols see it, metered for {@link CallRecord}: it stamps
   * when the last message was sent and received (the HE client runs keygen, encryption, waiting
   * and decryption in one call, and the stamps tell them apart without reaching into the
   * protocol) and counts flights within the current phase, the phase's first message starting
   * one (the channel's own count runs across phases: HE session keys and the first query leave
   * in one run of sends). Everything else passes through, the size-bounded receive included
   * (the framed channel refuses before reading).
   */
  private static final class MeteredChannel extends ForwardingChannel {
    long lastSendStart;
    /** When the current sending flight began (the session keys go in several parts). */
    long flightSendStart;
    long lastSendEnd;
    long lastReceiveEnd;
    private int direction; // 0 none yet in this phase, 1 sending, 2 receiving
    private long flights;

    MeteredChannel(Channel inner) {
      super(inner);
    }

    /** Starts counting the flights of a new phase. */
    void startPhase() {
      direction = 0;
      flights = 0;
    }

    /** Flights, both directions, since {@link #startPhase()} (or since the connection opened). */
    long flights() {
      return flights;
    }

    @Override
    public void send(byte[] message) {
      lastSendStart = System.nanoTime();
      inner().send(message);
      lastSendEnd = System.nanoTime();
      if (direction != 1) {
        flightSendStart = lastSendStart;
        direction = 1;
        flights++;
      }
    }

    @Override
    public byte[] receive() {
      return received(inner().receive());
    }

    @Override
    public byte[] receive(int maxBytes) {
      return received(inner().receive(maxBytes));
    }

    private byte[] received(byte[] m) {
      lastReceiveEnd = System.nanoTime();
      if (direction != 2) {
        direction = 2;
        flights++;
      }
      return m;
    }

  }

  /**
   * Settings of an {@link OmlLicensee}, checked at {@link #build()}: the owner's address and
   * pinned certificate, the artifact and the licensee key (objects or files), and optionally the
   * transport limits, the HE backend and the cap on queries per two-party bundle.
   */
  public static final class Builder {
    private InetSocketAddress owner;
    private String ownerHost;
    private int ownerPort;
    private X509Certificate certificate;
    private Path certificateFile;
    private OmlArtifact artifact;
    private Path artifactFile;
    private SigningKeyPair key;
    private Path keyFile;
    private TransportConfig transport = TransportConfig.DEFAULT;
    private HeBackend heBackend;
    private int maxBundle = DEFAULT_MAX_BUNDLE;
    private OfflineHe offlineHe = OfflineHe.standard();
    private Clock clock = Clock.systemUTC();
    private HePacking hePacking;
    private int heBatchCrossover = HePacking.DEFAULT_BATCH_CROSSOVER;
    private boolean insecureHeForTesting;

    private Builder() {}

    /**
     * Requires the HE packing {@code p} (null, the default: the packing each call's number of
     * images picks where the owner serves both, else the one it serves). An owner that does not
     * serve the model in {@code p} refuses the session
     * ({@link dev.oml.he.inference.HeModelNotServedException}).
     */
    public Builder hePacking(HePacking p) {
      this.hePacking = p;
      return this;
    }

    /**
     * Where the owner serves both HE packings, a call of more than {@code images} images uses the
     * batch packing, a smaller one the rows packing (default {@value
     * HePacking#DEFAULT_BATCH_CROSSOVER}, from measured costs; see {@link
     * HePacking#DEFAULT_BATCH_CROSSOVER}).
     */
    public Builder heBatchCrossover(int images) {
      this.heBatchCrossover = images;
      return this;
    }

    /** Accepts HE plans at INSECURE test parameters: for tests of this package only. */
    Builder insecureHeForTesting() {
      this.insecureHeForTesting = true;
      return this;
    }

    /** The owner server's address. */
    public Builder owner(InetSocketAddress address) {
      this.owner = address;
      this.ownerHost = null;
      return this;
    }

    /** The owner server's host name or IP literal, and port (resolved at {@link #build()}). */
    public Builder owner(String host, int port) {
      this.ownerHost = host;
      this.ownerPort = port;
      this.owner = null;
      return this;
    }

    /** The owner's TLS certificate, the only one trusted (pinning). */
    public Builder ownerCertificate(X509Certificate pinned) {
      this.certificate = pinned;
      this.certificateFile = null;
      return this;
    }

    /** The owner's TLS certificate as a PEM file ({@code tls-cert.pem} of the owner directory). */
    public Builder ownerCertificate(Path pemFile) {
      this.certificateFile = pemFile;
      this.certificate = null;
      return this;
    }

    /**
     * The licensee artifact of the model: format version 2 for the two-party mode (either
     * version names the model in the HE mode).
     */
    public Builder artifact(OmlArtifact a) {
      this.artifact = a;
      this.artifactFile = null;
      return this;
    }

    /** The licensee artifact file. */
    public Builder artifact(Path file) {
      this.artifactFile = file;
      this.artifact = null;
      return this;
    }

    /** The licensee's signing key (the one the artifact was made for). */
    public Builder licenseeKey(SigningKeyPair k) {
      this.key = k;
      this.keyFile = null;
      return this;
    }

    /** The licensee's private key file (as written by {@code oml keygen}). */
    public Builder licenseeKey(Path file) {
      this.keyFile = file;
      this.key = null;
      return this;
    }

    /** Frame limit and timeouts of every connection (default {@link TransportConfig#DEFAULT}). */
    public Builder transport(TransportConfig t) {
      this.transport = t;
      return this;
    }

    /** The HE backend (default: SEAL where its native library loads, else pure Java). */
    public Builder heBackend(HeBackend backend) {
      this.heBackend = backend;
      return this;
    }

    /** At most this many queries per two-party bundle (default {@value OmlLicensee#DEFAULT_MAX_BUNDLE}). */
    public Builder maxBundle(int n) {
      this.maxBundle = n;
      return this;
    }

    /**
     * The HE parameters of the two-party mode's offline step (default {@link
     * OfflineHe#standard()}); they must be the owner's. Tests and experiments on small insecure
     * parameters set them here.
     */
    public Builder twoPartyHe(OfflineHe he) {
      this.offlineHe = he;
      return this;
    }

    /** The clock of permit requests (default the system clock in UTC). */
    public Builder clock(Clock c) {
      this.clock = c;
      return this;
    }

    /**
     * Reads the files given, checks the settings and makes the handle (no connection yet).
     *
     * @throws InvalidConfigException if a setting is missing, out of range, or the artifact was
     *     made for another licensee key
     * @throws dev.oml.core.OmlException if a file is missing or malformed
     */
    public OmlLicensee build() {
      if (ownerHost != null) {
        if (ownerPort < 1 || ownerPort > 65535) {
          throw new InvalidConfigException("the owner's port must be in 1..65535, got " + ownerPort);
        }
        owner = new InetSocketAddress(ownerHost, ownerPort);
      }
      if (owner == null) {
        throw new InvalidConfigException("the owner's address is required: owner(host, port)");
      }
      if (owner.isUnresolved()) {
        throw new InvalidConfigException("cannot resolve the owner's host " + owner.getHostString());
      }
      if (certificate == null && certificateFile == null) {
        throw new InvalidConfigException("the owner's certificate is required: ownerCertificate(pem)");
      }
      if (artifact == null && artifactFile == null) {
        throw new InvalidConfigException("the licensee artifact is required: artifact(file)");
      }
      if (key == null && keyFile == null) {
        throw new InvalidConfigException("the licensee key is required: licenseeKey(file)");
      }
      if (transport == null || clock == null || offlineHe == null) {
        throw new InvalidConfigException("transport, clock and twoPartyHe must not be null");
      }
      if (heBatchCrossover < 0) {
        throw new InvalidConfigException("heBatchCrossover must be at least 0, got "
            + heBatchCrossover);
      }
      if (maxBundle < 1) {
        throw new InvalidConfigException("maxBundle must be at least 1, got " + maxBundle);
      }
      X509Certificate cert = certificate != null ? certificate : TlsCredentials.readPem(certificateFile);
      OmlArtifact art = artifact != null ? artifact : OmlArtifact.read(artifactFile);
      SigningKeyPair k = key != null ? key : KeyFiles.readPrivate(keyFile, SecretAccess.get());
      if (!art.description().licenseeKey().keyId().equals(k.keyId())) {
        throw new InvalidConfigException("the artifact " + art.modelId() + " was made for licensee "
            + art.description().licenseeKey().keyId() + ", not for this key " + k.keyId());
      }
      return new OmlLicensee(this, art, k, cert);
    }
  }
}
