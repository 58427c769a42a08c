package dev.oml.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.FieldOmlizer;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.tier2.PermittedTier2Owner;
import dev.oml.mpc.tier2.Tier2Messages;
import dev.oml.mpc.tier2.Tier2Owner;
import dev.oml.mpc.tier2.Tier2User;
import dev.oml.service.modes.TwoPartyInferenceService;
import dev.oml.service.server.ErrorCode;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.PeerAbortedException;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many licensees' clients against one owner server over TLS on loopback, with real two-party
 * tier-2 queries of Network A at the standard HE parameters: every answer equals the field
 * reference, the durable ledger
 * charges exactly what was prepared, and clients that hang up mid-bundle, send garbage or never
 * send leave the server healthy, with nothing charged twice and no server thread left behind.
 * The default run is small; {@code -Pslow} runs the 16 clients x 20 queries version.
 */
class OwnerServerLoadTest {
  @TempDir Path dir;

  private final SecureRandom rng = new SecureRandom();

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (!p.resolve("models").toFile().isDirectory()) {
      p = p.getParent();
    }
    return p;
  }

  @Test
  void fourClientsTwoQueriesEachAndFaultyClients() throws Exception {
    run(4, 2, true);
  }

  @Test
  @Tag("slow")
  void sixteenClientsTwentyQueriesEach() throws Exception {
    run(16, 20, true);
  }

  private void run(int clients, int queries, boolean faults) throws Exception {
    Model model = ModelFiles.load(root().resolve("models/network-a.omlm"));
    Dataset data = FashionMnist.test(root().resolve("data/fashion-mnist-subset"));
    int fractionalBits = model.format().fractionalBits();
    FieldFixedPointInference reference = new FieldFixedPointInference(
        FieldQuantizedModel.of(model, fractionalBits));
    OwnerHome home = OwnerHome.init(dir.resolve("owner"), rng);
    List<SigningKeyPair> licensees = new ArrayList<>();
    List<FieldOmlizer.Result> omls = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      SigningKeyPair k = SigningKeyPair.generate(rng);
      FieldOmlizer.Result o = FieldOmlizer.omlize(model, fractionalBits, home.ownerPublicKey(), k.publicKey(),
          rng);
      home.addKeyShare(o.keyShare(), SecretAccess.get());
      licensees.add(k);
      omls.add(o);
    }
    PermissionPolicy policy = home.policy(SecretAccess.get());
    Clock clock = Clock.systemUTC();
    OfflineHe he = OfflineHe.standard();
    X509Certificate pinned = TlsCredentials.readPem(home.certificatePem());
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try (PermissionLedger ledger = home.openLedger(policy)) {
      PermissionIssuer issuer = new PermissionIssuer(home.ownerKey(SecretAccess.get()), policy, clock,
          rng, ledger::charged);
      PermissionGate gate = new PermissionGate(new PermissionVerifier(home.ownerPublicKey(), policy, clock),
          ledger);
      List<PermittedTier2Owner> owners = new ArrayList<>();
      for (FieldOmlizer.Result o : omls) {
        owners.add(new PermittedTier2Owner(new Tier2Owner(o.keyShare(), SecretAccess.get(), he, rng),
            o.keyShare().modelId(), gate, OutputPolicy.LABEL));
      }
      // Every simulated licensee connects from 127.0.0.1, as clients behind one proxy do: each
      // holds a bundle connection and opens permit connections, so the per-address limit is
      // raised to what they need together (ServerConfig says to do so behind a proxy). The
      // admission pool too: a bundle connection waits there for its permitted first message
      // while its permit connection passes through it, so at the start all clients need two
      // admission threads each, and the faulty clients three more. A smaller pool refuses the
      // overflow as "server busy", which is the server's designed answer to overload.
      ServerConfig cfg = ServerConfig.loopback(home.tls()).withWorkers(clients + 2, 2 * clients)
          .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(20))
          .withAdmission(Math.max(ServerConfig.DEFAULT_ADMISSION_WORKERS, 2 * clients + 8),
              4 * clients + 4);
      try (OwnerServer server = OwnerServer.start(cfg, List.of(new PermitService(issuer),
          new TwoPartyInferenceService(owners, Map.of())))) {
        FramedChannel silent = null;
        if (faults) {
          silent = faultyClients(server, pinned, omls.get(0), licensees.get(0), ledger);
        }
        long chargedBefore = ledger.charged(licensees.get(0).keyId());
        List<Future<Integer>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
          int id = c;
          done.add(pool.submit(() -> {
            Tier2User user = new Tier2User(omls.get(id).artifact(), he, rng);
            int exact = 0;
            try (FramedChannel ch = ServiceClient.open(server.address(), pinned,
                TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
              Tier2User.Bundle b = user.prepare(ch, licensees.get(id), queries, OutputPolicy.LABEL,
                  (n, binding) -> permit(server, pinned, licensees.get(id), omls.get(id), n,
                      binding, clock));
              for (int q = 0; q < queries; q++) {
                double[] x = data.image((id * queries + q) % data.size());
                Tier2User.Result r = b.query(ch, user.encodeInput(x));
                if (r.label() == reference.label(x)) {
                  exact++;
                }
              }
            }
            return exact;
          }));
        }
        for (Future<Integer> f : done) {
          assertEquals(queries, f.get(10, TimeUnit.MINUTES), "every label equal to the fixed-point reference's");
        }
        for (int c = 0; c < clients; c++) {
          long expected = (c == 0 ? chargedBefore : 0) + queries;
          assertEquals(expected, ledger.charged(licensees.get(c).keyId()), "client " + c + " charged");
        }
        if (silent != null) {
          // It sat in the admission pool without stopping the others; now it leaves.
          silent.close();
        }
      }
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }
    for (int i = 0; i < 50 && ownerThreads() > 0; i++) {
      Thread.sleep(100);
    }
    assertEquals(0, ownerThreads(), "server threads left running");
  }

  private static long ownerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("oml-owner") && t.isAlive()).count();
  }

  private static PermissionToken permit(OwnerServer server, X509Certificate pinned, SigningKeyPair k,
      FieldOmlizer.Result o, int n, Binding binding, Clock clock) {
    try (FramedChannel desk = ServiceClient.open(server.address(), pinned, PermitService.NAME,
        TransportConfig.DEFAULT)) {
      return PermitService.request(desk, PermitRequest.create(k, o.artifact().modelId(),
          InferenceMode.TWO_PARTY, n, binding, clock.instant()));
    }
  }

  /** A client that hangs up mid-bundle, one that sends garbage, one that never sends. */
  private FramedChannel faultyClients(OwnerServer server, X509Certificate pinned,
      FieldOmlizer.Result o, SigningKeyPair k, PermissionLedger ledger) throws Exception {
    Clock clock = Clock.systemUTC();
    // Hangs up after the owner's first reply: the bundle's permission is spent once, and its
    // first message cannot be replayed to get the bundle prepared again.
    byte[] payload = Tier2Messages.BundleRequest.fresh(o.artifact().modelId(), OutputPolicy.LABEL,
        3, rng).encode();
    byte[] first = PermittedQuery.create(k,
        permit(server, pinned, k, o, 3, Binding.ofFirstMessage(payload), clock), payload).encode();
    try (FramedChannel ch = ServiceClient.open(server.address(), pinned, TwoPartyInferenceService.NAME,
        TransportConfig.DEFAULT)) {
      ch.send(first);
      ch.receive();
    }
    try (FramedChannel again = ServiceClient.open(server.address(), pinned,
        TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
      again.send(first);
      PeerAbortedException e = assertThrows(PeerAbortedException.class, again::receive);
      assertInstanceOf(PermissionReplayedException.class, ErrorCode.toException(e), e.getMessage());
    }
    assertEquals(3, ledger.charged(k.keyId()), "charged once, at preparation");
    // Garbage as the first message.
    try (FramedChannel g = ServiceClient.open(server.address(), pinned, TwoPartyInferenceService.NAME,
        TransportConfig.DEFAULT)) {
      g.send(new byte[] {1, 2, 3, 4});
      assertThrows(ProtocolAbortException.class, g::receive);
    }
    assertEquals(3, ledger.charged(k.keyId()));
    assertTrue(server.stats().failed() >= 2, server.stats().toString());
    // Never sends anything after the hello: it waits in the admission pool, never on a worker.
    return ServiceClient.open(server.address(), pinned, TwoPartyInferenceService.NAME,
        TransportConfig.DEFAULT);
  }
}
