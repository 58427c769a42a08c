package dev.oml.service.ledger;

import dev.oml.core.ledger.FileLedger;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.VerifiedPermission;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.testkit.Tier2Fixture;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.mpc.tier2.PermittedTier2Owner;
import dev.oml.mpc.tier2.Tier2User;
import dev.oml.service.modes.TwoPartyInferenceService;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import dev.oml.testkit.PermissionFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A bounded load run on loopback (not a test; run by hand, see docs/benchmarks.md): permits
 * spent per second at the ledger, and two-party queries per second through owner servers over
 * TLS, with the file ledger (one server) beside the PostgreSQL ledger with one and with two
 * replicas. Every spend and every answer is checked (charges against the count, logits against
 * the fixed-point reference), so a fast wrong run cannot pass for a figure. Prints a Markdown
 * table.
 *
 * <p>Arguments: spends per configuration (default 2000), two-party queries per configuration
 * (default 120), client threads (default 8), queries per bundle (default 1: every query spends
 * its own permission and pays its own offline phase).
 */
public final class LedgerLoadRun {
  private static int bundle = 1;

  private LedgerLoadRun() {}

  public static void main(String[] args) throws Exception {
    int spends = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int queries = args.length > 1 ? Integer.parseInt(args[1]) : 120;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    bundle = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    PostgresCluster pg = PostgresCluster.start();
    if (pg == null) {
      throw new IllegalStateException(PostgresCluster.MISSING);
    }
    Path tmp = Files.createTempDirectory("oml-load");
    List<String> rows = new ArrayList<>();
    try {
      AtomicInteger dbs = new AtomicInteger();
      for (String kind : List.of("file", "postgres")) {
        for (int replicas : kind.equals("file") ? new int[] {1} : new int[] {1, 2}) {
          PermissionFixture fx = new PermissionFixture(Long.MAX_VALUE / 4, 0);
          Supplier<PermissionLedger> opener = opener(kind, pg, tmp, dbs, fx.policy::quotaOf);
          double perSecond = spendRate(fx, opener, replicas, spends, threads);
          Tier2Fixture run = Tier2Fixture.tiny(OutputPolicy.LOGITS, Long.MAX_VALUE / 4);
          double qps = queryRate(run, opener(kind, pg, tmp, dbs, run.policy::quotaOf), replicas,
              queries, threads);
          rows.add(String.format("| %s | %d | %.0f | %.1f |", kind.equals("file") ? "FileLedger"
              : "PostgresLedger", replicas, perSecond, qps));
        }
      }
    } finally {
      pg.close();
    }
    System.out.println("| ledger | replicas | permits spent/s | 2PC queries/s |");
    System.out.println("|---|---|---|---|");
    rows.forEach(System.out::println);
  }

  private static Supplier<PermissionLedger> opener(String kind, PostgresCluster pg, Path tmp,
      AtomicInteger dbs, dev.oml.core.ledger.QuotaSource quotas) {
    if (kind.equals("file")) {
      Path f = tmp.resolve("ledger" + dbs.incrementAndGet());
      return () -> FileLedger.open(f, quotas);
    }
    String db = "load" + dbs.incrementAndGet();
    pg.createDatabase(db);
    return () -> PostgresLedger.open(pg.config(db).poolSize(8).build(), quotas);
  }

  /** Spends {@code count} permissions of n=1 from {@code threads} threads over the replicas. */
  private static double spendRate(PermissionFixture fx, Supplier<PermissionLedger> opener,
      int replicas, int count, int threads) throws Exception {
    List<PermissionLedger> ledgers = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      ledgers.add(opener.get());
    }
    try {
      List<VerifiedPermission> warm = new ArrayList<>();
      List<VerifiedPermission> work = new ArrayList<>();
      for (int i = 0; i < count / 10; i++) {
        warm.add(fx.verifiedA(1));
      }
      for (int i = 0; i < count; i++) {
        work.add(fx.verifiedA(1));
      }
      run(warm, ledgers, threads);
      long t0 = System.nanoTime();
      run(work, ledgers, threads);
      double s = (System.nanoTime() - t0) / 1e9;
      long charged = ledgers.get(0).charged(fx.licenseeA.keyId());
      if (charged != warm.size() + work.size()) {
        throw new AssertionError("charged " + charged + ", expected " + (warm.size() + work.size()));
      }
      return count / s;
    } finally {
      ledgers.forEach(PermissionLedger::close);
    }
  }

  private static void run(List<VerifiedPermission> ps, List<PermissionLedger> ledgers, int threads)
      throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    List<Thread> ts = new ArrayList<>();
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      PermissionLedger l = ledgers.get(t % ledgers.size());
      Thread th = new Thread(() -> {
        try {
          for (int i; (i = next.getAndIncrement()) < ps.size(); ) {
            l.spend(ps.get(i));
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      ts.add(th);
      th.start();
    }
    for (Thread th : ts) {
      th.join();
    }
    if (!errors.isEmpty()) {
      throw new AssertionError("spend failed: " + errors.get(0), errors.get(0));
    }
  }

  /**
   * Two-party queries (a bundle of one query per connection, so each query spends a permission)
   * from {@code threads} clients spread over the replicas.
   */
  private static double queryRate(Tier2Fixture run, Supplier<PermissionLedger> opener, int replicas,
      int count, int threads) throws Exception {
    TlsCredentials tls = TlsCredentials.selfSigned("owner.load", Duration.ofDays(1));
    List<PermissionLedger> ledgers = new ArrayList<>();
    List<OwnerServer> servers = new ArrayList<>();
    try {
      for (int i = 0; i < replicas; i++) {
        PermissionLedger ledger = opener.get();
        ledgers.add(ledger);
        PermissionGate gate = new PermissionGate(
            new PermissionVerifier(run.ownerKey.publicKey(), run.policy, run.clock), ledger);
        PermittedTier2Owner owner = new PermittedTier2Owner(run.protocolOwner,
            run.oml.keyShare().modelId(), gate, OutputPolicy.LOGITS);
        servers.add(OwnerServer.start(ServerConfig.loopback(tls).withWorkers(threads, 2 * threads),
            List.of(new TwoPartyInferenceService(owner))));
      }
      queries(run, servers, tls, threads, Math.max(threads * bundle, count / 10)); // warm-up
      long t0 = System.nanoTime();
      queries(run, servers, tls, threads, count);
      double s = (System.nanoTime() - t0) / 1e9;
      return (count / bundle * bundle) / s;
    } finally {
      servers.forEach(OwnerServer::close);
      ledgers.forEach(PermissionLedger::close);
    }
  }

  private static void queries(Tier2Fixture run, List<OwnerServer> servers, TlsCredentials tls,
      int threads, int count) throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int client = t;
      Thread th = new Thread(() -> {
        SecureRandom rng = new SecureRandom();
        Random inputs = new Random(client);
        Tier2User user = new Tier2User(run.oml.artifact(), Tier2Fixture.INSECURE_OFFLINE, rng);
        dev.oml.core.permission.PermissionIssuer issuer = new dev.oml.core.permission.PermissionIssuer(
            run.ownerKey, run.policy, run.clock, rng);
        try {
          for (int i; (i = next.getAndIncrement()) < count / bundle; ) {
            OwnerServer s = servers.get(i % servers.size());
            try (FramedChannel ch = ServiceClient.open(s.address(), tls.certificate(),
                TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
              Tier2User.Bundle b = user.prepare(ch, run.licensee, bundle, OutputPolicy.LOGITS,
                  (k, binding) -> issuer.issue(
                  dev.oml.core.permission.PermitRequest.create(run.licensee,
                      run.oml.artifact().modelId(), dev.oml.core.permission.InferenceMode.TWO_PARTY,
                      k, binding, run.clock.instant())));
              for (int q = 0; q < bundle; q++) {
                double[] x = TinyModels.input(inputs, 8);
                long[] got = b.query(ch, user.encodeInput(x)).logits();
                if (!Arrays.equals(got, run.referenceLogits(x))) {
                  throw new AssertionError("a query's logits differ from the reference");
                }
              }
            }
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      ts.add(th);
      th.start();
    }
    for (Thread th : ts) {
      th.join();
    }
    if (!errors.isEmpty()) {
      throw new AssertionError("query failed: " + errors.get(0), errors.get(0));
    }
  }
}
