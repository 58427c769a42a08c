package dev.oml.bench.cli;

import dev.oml.service.OwnerNode;
import dev.oml.service.OwnerNodeConfig;
import dev.oml.service.modes.ModeServices;
import java.net.InetAddress;
import java.nio.file.Path;
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

  @Option(names = "--he-model", paramLabel = "FILE[:kappa=K,precision=B,ring=N,packing=P,keys=K]",
      description = "a model file the owner serves in the HE mode, repeatable: every key share "
      + "made from this network (same content hash) is served, each licensee under its own model "
      + "id; after the file, the plan: kappa=K flooding parameter 1..128 (default "
      + ModeServices.HE_KAPPA + "), precision=B logits to 2^-B, 0..30 (default "
      + ModeServices.HE_PRECISION_BITS + "), ring=N ring degree 16384 or 32768 (default 16384;"
      + " 32768 with kappa >= 40 plans two primes per level), packing=rows|batch|auto (default"
      + " rows; batch: two images per slot, up to N images per query; auto: both plans, each"
      + " licensee's client picks by the images of a call), keys=chained|hoisted (default"
      + " chained; hoisted: a rotation key per baby step in the rows plan, about a third less"
      + " owner time per ciphertext for about three times the session keys)")
  List<String> heModelSpecs = new ArrayList<>();

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
    OwnerNodeConfig.Builder config = OwnerNodeConfig.builder(ownerDir)
        .host(bindAddress.getHostAddress()).port(port)
        .workers(workers, 4 * workers);
    List<HeModelSpec> specs = new ArrayList<>();
    for (String s : heModelSpecs) {
      specs.add(HeModelSpec.parse(spec, s));
    }
    for (HeModelSpec s : specs) {
      config.heModel(s.load());
    }
    if (!specs.isEmpty()) {
      config.heBackend(HeModes.backend()).calibration(HeModes.calibration());
    }
    // The node wires the permit desk (whose issuer sees the ledger's charges) and both modes,
    // and closes the server before the ledger.
    OwnerNode node = OwnerNode.start(config.build());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "oml-serve-shutdown"));
    System.out.println("owner server on " + node.address() + ", services " + node.services());
    System.out.println("users pin " + node.certificatePem());
    System.out.println("ledger " + node.ledgerDescription());
    System.out.flush();
    stopped.await();
    return 0;
  }
}
