package dev.oml.bench.cli;

import dev.oml.bench.demo.Demo;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code oml demo}: the README's main command. OMLizes the bundled models, starts an owner on
 * loopback, runs permitted queries in both modes, shows refused permissions and prints the
 * quality profile.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "OMLize the bundled models, serve them on loopback, run permitted queries in "
        + "both modes, show refused permissions, print the quality profile.")
final class DemoCommand implements Callable<Integer> {
  // Held strongly: java.util.logging keeps loggers only weakly, and would forget the level.
  private static final java.util.logging.Logger SERVER_LOG =
      java.util.logging.Logger.getLogger("dev.oml.server");

  @Spec CommandSpec spec;

  @Option(names = "--images", defaultValue = "8", description = "test images per mode, 1 to 1000 (default ${DEFAULT-VALUE})")
  int count;

  @Option(names = "--owner-dir", description = "owner directory to use, kept afterwards (default: a "
      + "temporary one, removed at exit unless --keep)")
  Path ownerDir;

  @Option(names = "--keep", description = "keep the temporary owner directory and print where it is")
  boolean keep;

  @Option(names = "--json", description = "print the profile as one JSON object")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Check.range(spec, "--images", count, 1, 1000);
    // The owner server's per-session log lines would drown the demo's own account of them.
    SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    Path home = Console.home();
    Model a = ModelFiles.load(home.resolve("models/network-a.omlm"));
    Model h = ModelFiles.load(home.resolve("models/he-network.omlm"));
    Dataset images = FashionMnist.test(Console.subsetDir()).limit(count);
    Progress progress = new Progress(spec.commandLine().getErr(), "demo", count);
    Demo.Profile p;
    try (Console.RunDirectory run = ownerDir == null ? new Console.RunDirectory("oml-demo-owner", keep) : null) {
      Path dir = run != null ? run.path() : ownerDir;
      Demo demo = new Demo(dir, a, h, images, HeModes.backend(),
          (owner, ledger) -> HeModes.services(owner, owner.policy(dev.oml.core.keys.SecretAccess.get()),
              ledger, List.of(h)),
          json ? progress::line : line -> System.out.println("  " + line));
      p = demo.run();
      if (run != null && keep) {
        spec.commandLine().getErr().println("owner directory kept: " + dir);
      }
    }
    if (json) {
      System.out.println(Json.object(Demo.toMap(p)));
      return 0;
    }
    System.out.println();
    System.out.println("Quality profile (" + count + " test images per mode; plaintext float64 "
        + String.format(Locale.ROOT, "%.3f", p.plaintextMsPerImage()) + " ms per image)");
    System.out.printf(Locale.ROOT, "%-5s %9s %10s %12s %12s %7s %12s%n", "mode", "accuracy",
        "agreement", "latency ms", "bytes", "rounds", "overhead");
    for (Demo.ModeFigures m : p.modes()) {
      System.out.printf(Locale.ROOT, "%-5s %9.3f %10.3f %12.1f %12d %7d %11.0fx%n", m.mode(),
          m.accuracy(), m.agreement(), m.latencyMs(), m.bytes(), m.rounds(), m.overheadVsPlaintext());
    }
    for (Demo.ModeFigures m : p.modes()) {
      System.out.println("  " + m.mode() + ": " + m.notes());
    }
    System.out.printf(Locale.ROOT, "artifact alone (the licensee's share run as the model): "
        + "accuracy %.3f (chance 0.1)%n", p.artifactOnlyAccuracy());
    System.out.println("refused:");
    for (Demo.Refusal r : p.refused()) {
      System.out.println("  " + r.attempt() + " -> " + r.error());
    }
    return 0;
  }
}
