package dev.oml.bench.cli;

import dev.oml.bench.demo.Demo;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.io.AtomicFiles;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code oml profile}: the quality profile of both modes on the test set (or its first
 * {@code --limit} images), measured through an owner server on loopback exactly as
 * {@code oml demo} runs it: Utility (accuracy, agreement with the plaintext model), Robust
 * (artifact-only accuracy, refused forged, replayed and transferred permissions), Overhead
 * (latency ratio, bytes and rounds per query against plaintext inference in the same run). Prints
 * Markdown, or with {@code --json} the same object as {@code oml demo --json}, and draws the
 * overhead chart as SVG.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
    description = "Quality profile of both modes (Markdown or JSON) and an overhead chart (SVG).")
final class ProfileCommand implements Callable<Integer> {
  // Held strongly: java.util.logging keeps loggers only weakly, and would forget the level.
  private static final java.util.logging.Logger SERVER_LOG =
      java.util.logging.Logger.getLogger("dev.oml.server");

  @Spec CommandSpec spec;

  @Option(names = "--limit", description = "profile only the first N test images, at least 1 (default: all)")
  Integer limit;

  @Option(names = "--data", description = "directory with the test split; default: the Debian package's, else the shipped subset")
  Path data;

  @Option(names = "--chart", description = "write the overhead chart (SVG) to this file (default: no chart)")
  Path chart;

  @Option(names = "--keep", description = "keep the run's temporary owner directory and print where it is")
  boolean keep;

  @Option(names = "--json", description = "print the profile as one JSON object")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Check.rangeIfSet(spec, "--limit", limit, 1, Integer.MAX_VALUE);
    SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    Path home = Console.home();
    Model a = ModelFiles.load(home.resolve("models/network-a.omlm"));
    Model h = ModelFiles.load(home.resolve("models/he-network.omlm"));
    Dataset images = FashionMnist.test(EvaluateCommand.dataDir(data));
    if (limit != null) {
      images = images.limit(limit);
    }
    int total = images.size();
    Progress progress = new Progress(spec.commandLine().getErr(), "profile", total);
    Demo.Profile p;
    try (Console.RunDirectory run = new Console.RunDirectory("oml-profile-owner", keep)) {
      Demo demo = new Demo(run.path(), a, h, images, HeModes.backend(),
          (owner, ledger) -> HeModes.services(owner, owner.policy(SecretAccess.get()), ledger, List.of(h)),
          progress::line);
      p = demo.run();
      if (keep) {
        spec.commandLine().getErr().println("owner directory kept: " + run.path());
      }
    }
    if (chart != null) {
      AtomicFiles.write(chart, svg(p, total).getBytes(StandardCharsets.UTF_8), false);
    }
    if (json) {
      System.out.println(Json.object(Demo.toMap(p)));
      return 0;
    }
    System.out.printf(Locale.ROOT, "## Quality profile (%d test images per mode)%n%n", total);
    System.out.println("| mode | accuracy | agreement with plaintext | latency ms | bytes per query | rounds | overhead vs plaintext |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (Demo.ModeFigures m : p.modes()) {
      System.out.printf(Locale.ROOT, "| %s | %.4f | %.4f | %.1f | %d | %d | %.0fx |%n", m.mode(),
          m.accuracy(), m.agreement(), m.latencyMs(), m.bytes(), m.rounds(), m.overheadVsPlaintext());
    }
    System.out.printf(Locale.ROOT, "%nPlaintext float64: %.3f ms per image. Artifact alone: accuracy %.4f"
        + " (chance 0.1).%n%n", p.plaintextMsPerImage(), p.artifactOnlyAccuracy());
    for (Demo.ModeFigures m : p.modes()) {
      System.out.println("- " + m.mode() + ": " + m.notes());
    }
    System.out.println();
    System.out.println("Refused:");
    for (Demo.Refusal r : p.refused()) {
      System.out.println("- " + r.attempt() + ": " + r.error());
    }
    if (chart != null) {
      System.out.println();
      System.out.println("Overhead chart: " + chart);
    }
    return 0;
  }

  /** A bar chart of log10(overhead) per mode, with the OML paper's 10^3 to 10^5 band. */
  static String svg(Demo.Profile p, int images) {
    int w = 560;
    int h = 80 + 50 * p.modes().size();
    int left = 70;
    int plot = w - left - 30;
    double maxLog = 6;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
        + " font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\">Latency overhead vs plaintext"
        + " (log scale, %d images per mode)</text>%n", left, images));
    double x3 = left + plot * 3 / maxLog;
    double x5 = left + plot * 5 / maxLog;
    s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"28\" width=\"%.1f\" height=\"%d\" fill=\"#eee\"/>%n",
        x3, x5 - x3, h - 58));
    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#777\">FHE per the OML paper: 10^3 to 10^5</text>%n",
        x3 + 4, h - 34));
    int y = 40;
    for (Demo.ModeFigures m : p.modes()) {
      double lg = Math.max(0, Math.log10(Math.max(1, m.overheadVsPlaintext())));
      double bw = plot * Math.min(lg, maxLog) / maxLog;
      s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\">%s</text>%n", y + 17, m.mode()));
      s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"26\" fill=\"#4a78b5\"/>%n",
          left, y, bw));
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%.0fx</text>%n", left + bw + 4, y + 17,
          m.overheadVsPlaintext()));
      y += 50;
    }
    for (int k = 0; k <= (int) maxLog; k++) {
      double x = left + plot * k / maxLog;
      s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>%n",
          x, h - 28, x, h - 24));
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">10^%d</text>%n",
          x, h - 10, k));
    }
    return s.append("</svg>\n").toString();
  }
}
