package dev.oml.bench.cli;

import dev.oml.bench.demo.Demo;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

  @Option(names = "--images", defaultValue = "8", description = "test images per mode (default ${DEFAULT-VALUE})")
  int count;

  @Option(names = "--owner-dir", description = "owner directory to use (default: a fresh temporary one)")
  Path ownerDir;

  @Option(names = "--json", description = "print the profile as one JSON object")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (count < 1 || count > 1000) {
      throw new dev.oml.core.OmlException("--images must be between 1 and 1000");
    }
    // The owner server's per-session log lines would drown the demo's own account of them.
    SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    Path home = Console.home();
    Model a = ModelFiles.load(home.resolve("models/network-a.omlm"));
    Model h = ModelFiles.load(home.resolve("models/he-network.omlm"));
    Dataset images = FashionMnist.test(Console.subsetDir()).limit(count);
    Path dir = ownerDir != null ? ownerDir : Files.createTempDirectory("oml-demo-owner");
    Demo demo = new Demo(dir, a, h, images, HeModes.backend(),
        (owner, ledger) -> HeModes.services(owner, owner.policy(dev.oml.core.keys.SecretAccess.get()),
            ledger, List.of(h)),
        json ? line -> { } : line -> System.out.println("  " + line));
    Demo.Profile p = demo.run();
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
