package dev.oml.bench.cli;

import dev.oml.core.keys.SecretAccess;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.OwnerService;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code oml serve}: runs the owner server from an owner directory until interrupted, then
 * shuts down gracefully (running sessions get the grace period to finish).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the owner server (permits and inference) from an owner directory.")
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--owner-dir", required = true, description = "the owner directory (see owner-init)")
  Path ownerDir;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE})")
  String bind;

  @Option(names = "--port", defaultValue = "7443", description = "port, 0 to 65535 (default ${DEFAULT-VALUE}; 0 for any free port)")
  int port;

  @Option(names = "--he-model", description = "a model file the owner serves in the HE mode "
      + "(matched by name to a key share in the owner directory)")
  List<Path> heModelFiles = new ArrayList<>();

  @Option(names = "--workers", defaultValue = "8", description = "worker threads, 1 to " + MAX_WORKERS + " (default ${DEFAULT-VALUE})")
  int workers;

  static final int MAX_WORKERS = 1024;

  @Override
  public Integer call() throws Exception {
    Check.range(spec, "--port", port, 0, 65535);
    Check.range(spec, "--workers", workers, 1, MAX_WORKERS);
    InetAddress bindAddress;
    try {
      bindAddress = InetAddress.getByName(bind);
    } catch (java.net.UnknownHostException e) {
      throw Check.usage(spec, "--bind: unknown host '" + bind + "'");
    }
    OwnerHome home = OwnerHome.open(ownerDir);
    PermissionPolicy policy = home.policy(SecretAccess.get());
    List<OwnerService> services = new ArrayList<>();
    try (PermissionLedger ledger = home.openLedger(policy)) {
      // The issuer sees what is already charged, so it refuses a request the quota no longer
      // covers, and the aborts, so it refuses a licensee the policy suspends.
      services.add(new PermitService(new PermissionIssuer(home.ownerKey(SecretAccess.get()), policy,
          Clock.systemUTC(), new SecureRandom(), ledger::charged,
          licensee -> ledger.aborts(licensee).count())));
      List<dev.oml.core.model.Model> heModels = new ArrayList<>();
      for (Path p : heModelFiles) {
        heModels.add(dev.oml.core.model.ModelFiles.load(p));
      }
      services.addAll(HeModes.services(home, policy, ledger, heModels));
      ServerConfig cfg = ServerConfig.loopback(home.tls())
          .withWorkers(workers, 4 * workers);
      cfg = new ServerConfig(new InetSocketAddress(bindAddress, port), cfg.tls(),
          cfg.transport(), cfg.workers(), cfg.queue(), cfg.helloTimeout(), cfg.shutdownGrace());
      OwnerServer server = OwnerServer.start(cfg, services);
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        stopped.countDown();
      }, "oml-serve-shutdown"));
      System.out.println("owner server on " + server.address() + ", services "
          + services.stream().map(OwnerService::name).toList());
      System.out.println("users pin " + home.certificatePem());
      System.out.println("ledger " + ledger);
      System.out.flush();
      stopped.await();
    }
    return 0;
  }
}
