package dev.oml.service.load;

import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.model.Model;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.HeBackends;
import dev.oml.he.inference.HeCompiledModel;
import dev.oml.he.inference.HeInferenceClient;
import dev.oml.he.inference.HePlanOptions;
import dev.oml.he.inference.HeResult;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.testkit.Tier2Fixture;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.mpc.tier2.Tier2User;
import dev.oml.service.modes.HeInferenceService;
import dev.oml.service.modes.TwoPartyInferenceService;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import dev.oml.testkit.PermissionFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Honest 2PC and HE clients against one owner server on loopback, first alone, then beside
 * hostile connections that cycle through five behaviours without credentials: idle TCP, a TLS
 * handshake trickled byte by byte, a frame trickled byte by byte, oversized frames and key bombs
 * (a frame of the frame limit where a 100-byte session request is due, uploads announced past
 * the limit), and garbage (random bytes instead of TLS, a non-hello). Hostile peers connect from
 * 127.0.0.2 to 127.0.0.5, honest ones from 127.0.0.1. Every honest answer is checked against the
 * reference (fixed-point for 2PC, float within the plan's error bound for HE); the ledgers, the
 * heap sampled after GC during the run, and the threads left after close are returned for the
 * caller to check. Bounded: each phase runs a fixed number of honest operations, the hostile
 * loops stop when the honest clients are done, and everything talks to loopback only.
 */
final class HostileLoad {
  /** Sizes of one run. */
  record Settings(int twoPartyClients, int heClients, int bundles, int queriesPerBundle,
      int heQueries, int hostile) {}

  /** Latencies of one phase, in milliseconds. */
  record Phase(List<Double> bundleMs, List<Double> heSessionMs, List<Double> heQueryMs,
      long hostileConnections) {}

  /** What a run measured. */
  record Result(Phase quiet, Phase underAttack, long charged2pc, long expected2pc, long chargedHe,
      long expectedHe, long maxUsedHeap, long baselineHeap, long heapBound, List<String> threadsLeft,
      long refused, int maxFrameBytes, long sessionKeyBytes) {}

  static final int MAX_FRAME = 4 << 20;
  /**
   * The server's limits: the default 10 s deadlines (a handshake on two busy cores can take
   * seconds, and a client whose handshake the server cuts late sees its next write fail).
   */
  private static final TransportConfig SERVER = new TransportConfig(MAX_FRAME,
      Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(5))
      .withDeadlines(Duration.ofSeconds(10), Duration.ofSeconds(10));
  private static final TransportConfig CLIENT = new TransportConfig(MAX_FRAME,
      Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(5));
  private static final TransportConfig HOSTILE = new TransportConfig(64 << 20,
      Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(5));
  static final int ADMISSION = 64;
  static final int WORKERS = 16;
  static final int PER_PEER = 16;

  private final Settings settings;
  private final SecureRandom rng = new SecureRandom();
  private final TlsCredentials tls = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
  private final Tier2Fixture run = Tier2Fixture.tiny(OutputPolicy.LOGITS, 1_000_000);
  private final PermissionFixture heFx = new PermissionFixture(rng, 1_000_000, 1_000_000);
  private final InMemoryLedger heLedger = new InMemoryLedger(heFx.policy::quotaOf);
  private final Model heModel = TinyModels.squareNet(TinyModels.SMALL);
  private final HeCompiledModel he;

  HostileLoad(Settings settings) {
    this.settings = settings;
    Random r = new Random(7);
    double[][] calibration = new double[64][];
    for (int i = 0; i < calibration.length; i++) {
      calibration[i] = TinyModels.input(r, heModel.inputShape().size());
    }
    he = HeCompiledModel.compile(heModel, heFx.modelA, HeBackends.pureJava(), HePlanOptions.builder()
        .kappa(6).answerPrecisionBits(4).insecureRingForTesting(1024).calibration(calibration)
        .build());
  }

  Result run() throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long baseline = memory.getHeapMemoryUsage().getUsed();
    ServerConfig cfg = ServerConfig.loopback(tls).withTransport(SERVER)
        .withWorkers(WORKERS, WORKERS).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5))
        .withAdmission(ADMISSION, PER_PEER);
    PermissionGate heGate = new PermissionGate(heFx.verifier, heLedger);
    Phase quiet;
    Phase attacked;
    long maxHeap;
    long refused;
    long keyBytes;
    AtomicLong sessionKeyBytes = new AtomicLong();
    try (OwnerServer server = OwnerServer.start(cfg, List.of(new PermitService(run.issuer),
        new TwoPartyInferenceService(run.owner), new HeInferenceService(he, heGate,
            Math.max(1, settings.heClients()))))) {
      // one untimed bundle and HE query first, so that neither phase pays for class loading and
      // the first JIT compilations
      twoPartyClient(server, 99, new ArrayList<>(), 1);
      heClient(server, 99, new ArrayList<>(), new ArrayList<>(), sessionKeyBytes, 1);
      quiet = honestPhase(server, 0, sessionKeyBytes);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong peak = new AtomicLong();
      Thread sampler = new Thread(() -> {
        while (!stop.get()) {
          System.gc();
          peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
          try {
            Thread.sleep(250);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "load-heap-sampler");
      sampler.start();
      attacked = honestPhase(server, settings.hostile(), sessionKeyBytes);
      stop.set(true);
      sampler.join(10_000);
      maxHeap = peak.get();
      refused = server.stats().refused();
      keyBytes = sessionKeyBytes.get();
    }
    List<String> left = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      left = omlThreads();
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(100);
    }
    long perPhase2pc = (long) settings.twoPartyClients() * settings.bundles()
        * settings.queriesPerBundle();
    long perPhaseHe = (long) settings.heClients() * settings.heQueries();
    // Every connection the server may hold (admission pool and workers) may be filling one
    // frame, read in chunks into a buffer at most twice the bytes received, plus one copy while
    // it grows; each HE session holds its keys (message and loaded form).
    long bound = baseline + (long) (ADMISSION + WORKERS) * 3L * MAX_FRAME
        + (long) settings.heClients() * 3L * he.sessionKeysBound();
    return new Result(quiet, attacked, run.charged(), 2 * perPhase2pc + settings.queriesPerBundle(),
        heLedger.charged(heFx.licenseeA.keyId()), 2 * perPhaseHe + 1, maxHeap, baseline, bound, left,
        refused, MAX_FRAME, keyBytes);
  }

  static List<String> omlThreads() {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith("oml-")) {
        names.add(t.getName());
      }
    }
    return names;
  }

  /** The honest clients, with {@code hostile} hostile loops beside them until they are done. */
  private Phase honestPhase(OwnerServer server, int hostile, AtomicLong keyBytes) throws Exception {
    int honest = settings.twoPartyClients() + settings.heClients();
    ExecutorService pool = Executors.newFixedThreadPool(honest + hostile);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong hostileConnections = new AtomicLong();
    List<Double> bundles = Collections.synchronizedList(new ArrayList<>());
    List<Double> sessions = Collections.synchronizedList(new ArrayList<>());
    List<Double> queries = Collections.synchronizedList(new ArrayList<>());
    try {
      List<Future<?>> attackers = new ArrayList<>();
      for (int h = 0; h < hostile; h++) {
        int kind = h % 5;
        InetAddress from = InetAddress.getByName("127.0.0." + (2 + h % 4));
        attackers.add(pool.submit(() -> {
          hostileLoop(server.address(), from, kind, stop, hostileConnections);
          return null;
        }));
      }
      if (hostile > 0) {
        // let every hostile connection be in place before the honest clients start
        Thread.sleep(1_000);
      }
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < settings.twoPartyClients(); c++) {
        int id = c;
        clients.add(pool.submit(() -> {
          twoPartyClient(server, id, bundles);
          return null;
        }));
      }
      for (int c = 0; c < settings.heClients(); c++) {
        int id = c;
        clients.add(pool.submit(() -> {
          heClient(server, id, sessions, queries, keyBytes);
          return null;
        }));
      }
      try {
        for (Future<?> f : clients) {
          f.get(10, TimeUnit.MINUTES);
        }
      } finally {
        stop.set(true);
        for (Future<?> f : attackers) {
          f.get(1, TimeUnit.MINUTES);
        }
      }
    } finally {
      stop.set(true);
      pool.shutdownNow();
      pool.awaitTermination(1, TimeUnit.MINUTES);
    }
    return new Phase(bundles, sessions, queries, hostileConnections.get());
  }

  private void twoPartyClient(OwnerServer server, int id, List<Double> latencies) {
    twoPartyClient(server, id, latencies, settings.bundles());
  }

  private void twoPartyClient(OwnerServer server, int id, List<Double> latencies, int bundles) {
    Tier2User user = new Tier2User(run.oml.artifact(), Tier2Fixture.INSECURE_OFFLINE, rng);
    Random r = new Random(100 + id);
    for (int b = 0; b < bundles; b++) {
      long t0 = System.nanoTime();
      try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
          TwoPartyInferenceService.NAME, CLIENT)) {
        // a permit connection per request, as the licensee CLI does: a connection must show
        // who it is within the hello timeout, so clients open one when they have a request
        Tier2User.Bundle bundle = user.prepare(ch, run.licensee, settings.queriesPerBundle(),
            OutputPolicy.LOGITS, (n, binding) -> {
          try (FramedChannel permits = ServiceClient.open(server.address(), tls.certificate(),
              PermitService.NAME, CLIENT)) {
            return PermitService.request(permits, PermitRequest.create(run.licensee,
                run.oml.artifact().modelId(), InferenceMode.TWO_PARTY, n, binding,
                run.clock.instant()));
          }
        });
        for (int q = 0; q < settings.queriesPerBundle(); q++) {
          double[] x = TinyModels.input(r, 8);
          long[] got = bundle.query(ch, user.encodeInput(x)).logits();
          if (!Arrays.equals(run.referenceLogits(x), got)) {
            throw new AssertionError("2PC client " + id + ": logits differ from the reference");
          }
        }
      }
      latencies.add((System.nanoTime() - t0) / 1e6);
    }
  }

  private void heClient(OwnerServer server, int id, List<Double> sessions, List<Double> queries,
      AtomicLong keyBytes) {
    heClient(server, id, sessions, queries, keyBytes, settings.heQueries());
  }

  private void heClient(OwnerServer server, int id, List<Double> sessions, List<Double> queries,
      AtomicLong keyBytes, int count) {
    Random r = new Random(200 + id);
    FloatInference reference = new FloatInference(heModel);
    long t0 = System.nanoTime();
    try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
        HeInferenceService.NAME, CLIENT)) {
      HeInferenceClient client = HeInferenceClient.connectInsecureForTesting(ch,
          HeBackends.pureJava(), heFx.licenseeA);
      sessions.add((System.nanoTime() - t0) / 1e6);
      keyBytes.set(client.sessionKeyBytes());
      for (int q = 0; q < count; q++) {
        double[] x = TinyModels.input(r, heModel.inputShape().size());
        long t1 = System.nanoTime();
        HeResult res = client.infer(new double[][] {x}, hq -> heFx.issuer.issue(
            PermitRequest.create(heFx.licenseeA, heFx.modelA, InferenceMode.HOMOMORPHIC,
                hq.images(), Binding.ofFirstMessage(hq.payload()), heFx.clock.instant())));
        queries.add((System.nanoTime() - t1) / 1e6);
        double[] want = reference.logits(x);
        double[] got = res.logits(0);
        for (int j = 0; j < want.length; j++) {
          if (Math.abs(want[j] - got[j]) > he.plan().estimatedError()) {
            throw new AssertionError("HE client " + id + ": logit " + j + " is " + got[j]
                + ", the float reference " + want[j]);
          }
        }
      }
    }
  }

  /** One hostile peer: repeats its behaviour, one connection at a time, until told to stop. */
  private void hostileLoop(InetSocketAddress server, InetAddress from, int kind, AtomicBoolean stop,
      AtomicLong connections) {
    SSLContext ctx = TlsCredentials.clientContext(tls.certificate());
    SigningKeyPair stranger = SigningKeyPair.generate(rng);
    Random r = new Random(kind * 31L + from.getAddress()[3]);
    int round = 0;
    while (!stop.get()) {
      connections.incrementAndGet();
      round++;
      try {
        switch (kind) {
          case 0 -> idle(server, from, stop);
          case 1 -> trickleHandshake(server, from, stop);
          case 2 -> trickleFrame(server, from, ctx, stop);
          case 3 -> bomb(server, from, ctx, stranger, round, r);
          default -> garbage(server, from, ctx, round, r);
        }
      } catch (IOException | RuntimeException e) {
        // the server cut this connection, which is what it should do; try again
      }
      pause(stop, 50);
    }
  }

  private static Socket rawFrom(InetSocketAddress server, InetAddress from) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(from, 0));
    s.connect(server, 5_000);
    return s;
  }

  /** Plain TCP, says nothing, waits for the server to hang up. */
  private static void idle(InetSocketAddress server, InetAddress from, AtomicBoolean stop)
      throws IOException {
    try (Socket s = rawFrom(server, from)) {
      s.setSoTimeout(200);
      InputStream in = s.getInputStream();
      while (!stop.get()) {
        try {
          if (in.read() < 0) {
            return;
          }
        } catch (java.net.SocketTimeoutException e) {
          // still held open
        }
      }
    }
  }

  /** A TLS handshake record announcing 512 bytes, then one byte every 300 ms. */
  private static void trickleHandshake(InetSocketAddress server, InetAddress from,
      AtomicBoolean stop) throws IOException {
    try (Socket s = rawFrom(server, from)) {
      OutputStream o = s.getOutputStream();
      o.write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00});
      for (int i = 0; i < 512 && !stop.get(); i++) {
        o.write(1);
        o.flush();
        pause(stop, 300);
      }
    }
  }

  private static SSLSocket tlsFrom(InetSocketAddress server, InetAddress from, SSLContext ctx)
      throws IOException {
    Socket raw = rawFrom(server, from);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw,
        server.getHostString(), server.getPort(), true);
    s.setSoTimeout(10_000);
    s.startHandshake();
    return s;
  }

  private static byte[] frame(int length, byte[] body) {
    byte[] f = new byte[5 + body.length];
    f[0] = (byte) (length >>> 24);
    f[1] = (byte) (length >>> 16);
    f[2] = (byte) (length >>> 8);
    f[3] = (byte) length;
    f[4] = 1;
    System.arraycopy(body, 0, f, 5, body.length);
    return f;
  }

  /** A hello for the 2PC service, then a 1000-byte frame one byte every 300 ms. */
  private static void trickleFrame(InetSocketAddress server, InetAddress from, SSLContext ctx,
      AtomicBoolean stop) throws IOException {
    try (SSLSocket s = tlsFrom(server, from, ctx)) {
      OutputStream o = s.getOutputStream();
      byte[] hello = OwnerServer.hello(TwoPartyInferenceService.NAME);
      o.write(frame(hello.length, hello));
      o.write(frame(1000, new byte[0]));
      o.flush();
      for (int i = 0; i < 1000 && !stop.get(); i++) {
        o.write(7);
        o.flush();
        pause(stop, 300);
      }
    }
  }

  /**
   * Key bombs and oversized frames: where the HE service expects a 132-byte session request,
   * a frame of the server's whole frame limit (after a challenge signed by a stranger on odd
   * rounds), or a frame announced past the limit to the 2PC service.
   */
  private static void bomb(InetSocketAddress server, InetAddress from, SSLContext ctx,
      SigningKeyPair stranger, int round, Random r) throws IOException {
    if (round % 3 == 2) {
      try (SSLSocket s = tlsFrom(server, from, ctx)) {
        OutputStream o = s.getOutputStream();
        byte[] hello = OwnerServer.hello(TwoPartyInferenceService.NAME);
        o.write(frame(hello.length, hello));
        o.write(frame(Integer.MAX_VALUE, new byte[1 << 16]));
        o.flush();
        drain(s);
      }
      return;
    }
    try (FramedChannel ch = FramedChannel.connect(server, from, ctx, HOSTILE)) {
      ch.send(OwnerServer.hello(HeInferenceService.NAME));
      byte[] challenge = ch.receive();
      if (round % 3 == 1) {
        // a correctly formed request, signed by a key the owner does not know
        ch.send(dev.oml.he.inference.HeOwnerSession.sessionRequest(stranger, challenge));
        ch.receive();
      }
      byte[] keys = new byte[MAX_FRAME];
      r.nextBytes(keys);
      ch.send(keys);
      ch.receive();
    } catch (ProtocolAbortException e) {
      // refused, as it should be
    }
  }

  /** Random bytes where TLS is due, or a first message that is not a hello. */
  private static void garbage(InetSocketAddress server, InetAddress from, SSLContext ctx, int round,
      Random r) throws IOException {
    byte[] junk = new byte[1 + r.nextInt(4096)];
    r.nextBytes(junk);
    if (round % 2 == 0) {
      try (Socket s = rawFrom(server, from)) {
        s.getOutputStream().write(junk);
        s.getOutputStream().flush();
        drain(s);
      }
    } else {
      try (FramedChannel ch = FramedChannel.connect(server, from, ctx, HOSTILE)) {
        ch.send(junk);
        ch.receive();
      } catch (ProtocolAbortException e) {
        // refused, as it should be
      }
    }
  }

  private static void drain(Socket s) throws IOException {
    s.setSoTimeout(10_000);
    InputStream in = s.getInputStream();
    byte[] b = new byte[4096];
    while (in.read(b) >= 0) {
      // read until the server hangs up
    }
  }

  private static void pause(AtomicBoolean stop, long ms) {
    if (stop.get()) {
      return;
    }
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop.set(true);
    }
  }

  static double percentile(List<Double> xs, double p) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get((int) Math.min(s.size() - 1, Math.floor(p * s.size())));
  }

  /** A Markdown table of the honest latencies of both phases. */
  static String figures(Result r) {
    StringBuilder b = new StringBuilder();
    b.append("| honest operation | phase | n | median ms | p95 ms | max ms |\n");
    b.append("|---|---|---:|---:|---:|---:|\n");
    String[] names = {"2PC bundle (permit, prepare, queries; new connections)",
        "HE session start (challenge, plan, keys)", "HE query (1 image)"};
    for (int k = 0; k < 3; k++) {
      for (int ph = 0; ph < 2; ph++) {
        Phase p = ph == 0 ? r.quiet() : r.underAttack();
        List<Double> xs = k == 0 ? p.bundleMs() : k == 1 ? p.heSessionMs() : p.heQueryMs();
        b.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.1f |%n", names[k],
            ph == 0 ? "alone" : "under attack (" + p.hostileConnections() + " hostile connections)",
            xs.size(), percentile(xs, 0.5), percentile(xs, 0.95), percentile(xs, 1.0)));
      }
    }
    b.append(String.format(Locale.ROOT,
        "%nused heap after GC: baseline %.1f MiB, peak under attack %.1f MiB (bound %.1f MiB); "
            + "connections refused: %d; HE session keys: %d B%n",
        r.baselineHeap() / 1048576.0, r.maxUsedHeap() / 1048576.0, r.heapBound() / 1048576.0,
        r.refused(), r.sessionKeyBytes()));
    return b.toString();
  }

  /** Prints the figures of a run: the slow test's sizes unless given as arguments. */
  public static void main(String[] args) throws Exception {
    int[] a = {4, 4, 4, 2, 4, 40};
    for (int i = 0; i < args.length && i < a.length; i++) {
      a[i] = Integer.parseInt(args[i]);
    }
    Result r = new HostileLoad(new Settings(a[0], a[1], a[2], a[3], a[4], a[5])).run();
    System.out.print(figures(r));
  }
}
