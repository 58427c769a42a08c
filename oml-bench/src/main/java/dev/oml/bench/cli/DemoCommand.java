package dev.oml.bench.cli;

import dev.oml.bench.demo.Demo;
import dev.oml.bench.demo.PlaintextTimer;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code oml demo}: the README's main command. OMLizes the bundled models, starts an owner on
 * loopback, runs permitted queries in both modes, shows refused permissions and prints the
 * quality profile (the tables of {@code oml profile}, or its JSON or CSV).
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

  @Option(names = "--csv", description = "print the timings as CSV, one row per figure and mode (not with --json)")
  boolean csv;
  @Override
  public Integer call() throws Exception {
    Check.range(spec, "--images", count, 1, 1000);
    if (json && csv) {
      throw Check.usage(spec, "--json and --csv exclude each other: choose one output format");
    }
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
          json || csv ? progress::line : line -> System.out.println("  " + line),
          PlaintextTimer.DEFAULT);
      p = demo.run(home);
      if (run != null && keep) {
        spec.commandLine().getErr().println("owner directory kept: " + dir);
      }
    }
    if (json) {
      System.out.println(Json.object(Demo.toMap(p)));
      return 0;
    }
    if (csv) {
      System.out.print(Demo.toCsv(p));
      return 0;
    }
    System.out.println();
    System.out.print(ProfileReport.markdown(p, count));
    return 0;
  }
}
