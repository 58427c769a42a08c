package dev.oml.service.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.permission.Binding;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ForwardingChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.testkit.Tier2Fixture;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.mpc.tier2.PermittedTier2Owner;
import dev.oml.mpc.tier2.Tier2Messages;
import dev.oml.mpc.tier2.Tier2User;
import dev.oml.service.modes.TwoPartyInferenceService;
import dev.oml.service.server.ErrorCode;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.PeerAbortedException;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three owner servers (replicas) of one owner on loopback, each with its own pool on one
 * PostgreSQL ledger, serving two-party inference over TLS. The same permission raced at all
 * three gets exactly one answer; a licensee's quota holds exactly while its clients spread
 * bundles over the replicas; and the bundle a replica admitted computes the reference logits.
 */
class SharedLedgerReplicasTest {
  private static final int REPLICAS = 3;
  private static PostgresCluster pg;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final TlsCredentials tls = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
  private final List<PostgresLedger> ledgers = new ArrayList<>();
  private final List<OwnerServer> servers = new ArrayList<>();

  @BeforeAll
  static void startPostgres() {
    pg = PostgresCluster.start();
  }

  @org.junit.jupiter.api.BeforeEach
  void needsPostgres() {
    PostgresCluster.require(pg);
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) {
      pg.close();
    }
  }

  @AfterEach
  void stopReplicas() {
    servers.forEach(OwnerServer::close);
    ledgers.forEach(PostgresLedger::close);
  }

  /** Starts the replicas of {@code run}'s owner, each with its own ledger pool on one database. */
  private void startReplicas(Tier2Fixture run) {
    String db = "replicas" + DATABASES.incrementAndGet();
    pg.createDatabase(db);
    for (int i = 0; i < REPLICAS; i++) {
      PostgresLedger ledger = PostgresLedger.open(pg.config(db).poolSize(4).build(), run.policy::quotaOf);
      ledgers.add(ledger);
      PermissionGate gate = new PermissionGate(
          new PermissionVerifier(run.ownerKey.publicKey(), run.policy, run.clock), ledger);
      PermittedTier2Owner owner = new PermittedTier2Owner(run.protocolOwner,
          run.oml.keyShare().modelId(), gate, OutputPolicy.LOGITS);
      servers.add(OwnerServer.start(ServerConfig.loopback(tls).withWorkers(8, 16),
          List.of(new TwoPartyInferenceService(owner))));
    }
  }

  private FramedChannel connect(int replica) {
    return ServiceClient.open(servers.get(replica).address(), tls.certificate(),
        TwoPartyInferenceService.NAME, TransportConfig.DEFAULT);
  }

  @Test
  @Timeout(120)
  void aPermissionRacedAtEveryReplicaIsAnsweredOnce() throws Exception {
    Tier2Fixture run = Tier2Fixture.tiny(OutputPolicy.LOGITS, 1000);
    startReplicas(run);
    Random rnd = new Random(5);
    long expected = 0;
    for (int round = 0; round < 3; round++) {
      int n = 1 + round;
      byte[] payload = Tier2Messages.BundleRequest.fresh(run.oml.artifact().modelId(),
          OutputPolicy.LOGITS, n, run.rng).encode();
      byte[] first = PermittedQuery.create(run.licensee,
          run.permit(n, Binding.ofFirstMessage(payload)), payload).encode();
      List<FramedChannel> channels = new ArrayList<>();
      for (int i = 0; i < REPLICAS; i++) {
        channels.add(connect(i));
      }
      CountDownLatch go = new CountDownLatch(1);
      ConcurrentLinkedQueue<Integer> answered = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<String> refusals = new ConcurrentLinkedQueue<>();
      byte[][] replies = new byte[REPLICAS][];
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < REPLICAS; i++) {
        int r = i;
        Thread t = new Thread(() -> {
          try {
            go.await();
            channels.get(r).send(first);
            replies[r] = channels.get(r).receive();
            answered.add(r);
          } catch (PeerAbortedException e) {
            // the owner's refusal comes back as its own type through the abort frame's code
            refusals.add(ErrorCode.toException(e).getClass().getSimpleName() + ": " + e.getMessage());
          } catch (ProtocolAbortException e) {
            refusals.add("untyped: " + e.getMessage());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        threads.add(t);
        t.start();
      }
      go.countDown();
      for (Thread t : threads) {
        t.join();
      }
      assertEquals(1, answered.size(), "answers: " + answered + ", refusals: " + refusals);
      assertEquals(REPLICAS - 1, refusals.size());
      for (String why : refusals) {
        assertTrue(why.startsWith("PermissionReplayedException: "), why);
      }
      expected += n;
      assertEquals(expected, ledgers.get(round % REPLICAS).charged(run.licensee.keyId()));
      // the winner finishes the bundle with its replica, and its answers are the reference's
      int winner = answered.peek();
      // the owner's first reply (its bundle key) was read above: hand it to the offline phase
      byte[] keyMessage = replies[winner];
      Channel ch = new ForwardingChannel(channels.get(winner)) {
        private byte[] pending = keyMessage;

        @Override
        public byte[] receive() {
          byte[] p = pending;
          pending = null;
          return p != null ? p : super.receive();
        }
      };
      Tier2User.Bundle bundle = run.user.offline(ch, n, OutputPolicy.LOGITS);
      double[] x = TinyModels.input(rnd, 8);
      assertArrayEquals(run.referenceLogits(x),
          bundle.query(ch, run.user.encodeInput(x)).logits());
      channels.forEach(FramedChannel::close);
    }
    for (PostgresLedger l : ledgers) {
      assertEquals(expected, l.charged(run.licensee.keyId()));
    }
  }

  @Test
  @Timeout(180)
  void aLicenseesQuotaHoldsExactlyAcrossReplicas() throws Exception {
    // The seeded sizes below (four bundles of 1, three of 2, ...) let at most 10 bundles fit the
    // quota, so the admitted ones (each an abort, see below) stay under the abort limit of 16.
    long quota = 20;
    // Each client hangs up right after admission (the owner's bundle key): the charge is made
    // at admission, and the offline phase is not what this test is about. Those hang-ups are
    // aborts, so the policy allows as many as the test makes.
    Tier2Fixture run = new Tier2Fixture(Tier2Fixture.tiny(OutputPolicy.LOGITS, 1).model,
        Tier2Fixture.TINY_F, OutputPolicy.LOGITS, quota, PermissionPolicy.MAX_ABORTS_LIMIT,
        java.time.Clock.systemUTC());
    startReplicas(run);
    int clients = 5;
    int bundlesEach = 4;
    ConcurrentLinkedQueue<Integer> accepted = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Integer> refusedN = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      Thread t = new Thread(() -> {
        SecureRandom rng = new SecureRandom();
        Random sizes = new Random(client);
        PermissionIssuer issuer = new PermissionIssuer(run.ownerKey, run.policy, run.clock, rng);
        try {
          go.await();
          for (int b = 0; b < bundlesEach; b++) {
            int n = 1 + sizes.nextInt(4);
            try (FramedChannel ch = connect((client + b) % REPLICAS)) {
              byte[] payload = Tier2Messages.BundleRequest.fresh(run.oml.artifact().modelId(),
                  OutputPolicy.LOGITS, n, rng).encode();
              PermissionToken token = issuer.issue(dev.oml.core.permission.PermitRequest.create(
                  run.licensee, run.oml.artifact().modelId(),
                  dev.oml.core.permission.InferenceMode.TWO_PARTY, n,
                  Binding.ofFirstMessage(payload), run.clock.instant()));
              ch.send(PermittedQuery.create(run.licensee, token, payload).encode());
              ch.receive(); // the owner's bundle key: admitted and charged
              accepted.add(n);
            } catch (PeerAbortedException e) {
              if (ErrorCode.toException(e) instanceof dev.oml.core.ledger.QuotaExceededException) {
                refusedN.add(n);
              } else {
                unexpected.add(e);
              }
            }
          }
        } catch (Throwable e) {
          unexpected.add(e);
        }
      });
      threads.add(t);
      t.start();
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertTrue(unexpected.isEmpty(), () -> "unexpected: " + unexpected);
    long charged = ledgers.get(1).charged(run.licensee.keyId());
    long sum = accepted.stream().mapToLong(Integer::longValue).sum();
    assertEquals(sum, charged, "every admitted bundle charged exactly once, at whichever replica");
    assertTrue(charged <= quota, "charged " + charged + " > quota " + quota);
    assertEquals(clients * bundlesEach, accepted.size() + refusedN.size());
    for (int n : refusedN) {
      assertTrue(charged + n > quota, "a bundle of " + n + " refused though it still fits");
    }
    assertTrue(!refusedN.isEmpty() && quota - charged < 4, "quota not reached: " + charged);
  }
}
