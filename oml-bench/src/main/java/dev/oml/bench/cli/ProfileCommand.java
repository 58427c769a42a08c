package dev.oml.bench.cli;

import dev.oml.bench.demo.Demo;
import dev.oml.bench.demo.PlaintextTimer;
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
 * (latency per query and per image with median and p95, each phase of both modes, bytes and
 * flights, session keys, and the ratio to plaintext inference timed after warm-up in the same
 * run), with the machine, JVM, commit, HE backend, kappa and date. Prints Markdown, or with
 * {@code --json} the same object as {@code oml demo --json}, or with {@code --csv} one row per
 * figure; with {@code --chart} it draws the overhead and traffic chart as SVG.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
    description = "Quality profile of both modes (Markdown, JSON or CSV) and an overhead chart (SVG).")
final class ProfileCommand implements Callable<Integer> {
  // Held strongly: java.util.logging keeps loggers only weakly, and would forget the level.
  private static final java.util.logging.Logger SERVER_LOG =
      java.util.logging.Logger.getLogger("dev.oml.server");

  @Spec CommandSpec spec;

  @Option(names = "--limit", description = "profile only the first N test images, at least 1 (default: all)")
  Integer limit;

  @Option(names = "--data", description = "directory with the test split; default: the Debian package's, else the shipped subset")
  Path data;

  @Option(names = "--chart", description = "write the overhead and traffic chart (SVG) to this file (default: no chart)")
  Path chart;

  @Option(names = "--keep", description = "keep the run's temporary owner directory and print where it is")
  boolean keep;

  @Option(names = "--json", description = "print the profile as one JSON object")
  boolean json;

  @Option(names = "--csv", description = "print the timings as CSV, one row per figure and mode (not with --json)")
  boolean csv;

  @Override
  public Integer call() throws Exception {
    Check.rangeIfSet(spec, "--limit", limit, 1, Integer.MAX_VALUE);
    if (json && csv) {
      throw Check.usage(spec, "--json and --csv exclude each other: choose one output format");
    }
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
          progress::line, PlaintextTimer.DEFAULT);
      p = demo.run(home);
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
    if (csv) {
      System.out.print(Demo.toCsv(p));
      return 0;
    }
    System.out.print(ProfileReport.markdown(p, total));
    if (chart != null) {
      System.out.println();
      System.out.println("Overhead chart: " + chart);
    }
    return 0;
  }

  /**
   * Two bar charts side by side, one bar per mode: the latency overhead against plaintext
   * (median per image over the plaintext median, log scale, with the OML paper's 10^3 to 10^5
   * band for FHE) and, beside it, the payload bytes per image (log scale; HE's session keys,
   * paid once per session, are named on its bar). The title carries n, the HE backend, kappa,
   * the date and the commit, so a chart separated from its run still says what it shows.
   */
  static String svg(Demo.Profile p, int images) {
    int w = 1100;
    int h = 150 + 50 * p.modes().size();
    int leftA = 70;
    int leftB = 650;
    int plot = 360;
    double decades = 6;
    int top = 70;
    int bottom = h - 60;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
        + " font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
    String commit = p.run().commit().length() > 12 ? p.run().commit().substring(0, 12) : p.run().commit();
    StringBuilder n = new StringBuilder("n = " + images + " test images per mode (");
    for (int i = 0; i < p.modes().size(); i++) {
      Demo.ModeFigures m = p.modes().get(i);
      n.append(i == 0 ? "" : ", ").append(m.mode()).append(' ').append(m.queries())
          .append(m.queries() == 1 ? " query of " : " queries of ")
          .append(m.imagesPerQuery()).append(m.imagesPerQuery() == 1 ? " image" : " images");
    }
    n.append(')');
    text(s, leftA, 20, 15, "start", "OML quality profile: latency overhead and bytes per image, by mode");
    text(s, leftA, 38, 12, "start", n + "; HE backend " + p.heBackend() + ", kappa " + p.kappa());
    text(s, leftA, 54, 12, "start", p.run().date() + ", commit " + commit + ", " + p.run().machine());
    // panel A: overhead, 10^0 .. 10^6
    double x3 = leftA + plot * 3 / decades;
    double x5 = leftA + plot * 5 / decades;
    s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#eee\"/>%n",
        x3, top, x5 - x3, bottom - top));
    text(s, x3 + 4, bottom - 6, 11, "start", "FHE per the OML paper: 10^3 to 10^5");
    // panel B: bytes per image, 10^3 .. 10^9 B
    int y = top + 10;
    for (Demo.ModeFigures m : p.modes()) {
      text(s, leftA - 8, y + 17, 12, "end", m.mode());
      text(s, leftB - 8, y + 17, 12, "end", m.mode());
      double lg = Math.max(0, Math.log10(Math.max(1, m.overheadVsPlaintext())));
      double bw = plot * Math.min(lg, decades) / decades;
      bar(s, leftA, y, bw, "#4a78b5");
      text(s, leftA + bw + 4, y + 17, 11, "start", String.format(Locale.ROOT, "%.0fx (%s ms per image)",
          m.overheadVsPlaintext(), ProfileReport.ms(m.perImageMs().median())));
      double lb = Math.min(decades, Math.max(0, Math.log10(Math.max(1, m.bytesPerImage())) - 3));
      double bb = plot * lb / decades;
      bar(s, leftB, y, bb, "#b5764a");
      String label = bytes(m.bytesPerImage()) + (m.sessionKeyBytes() > 0
          ? " + session keys " + bytes(m.sessionKeyBytes()) + " once" : "");
      text(s, leftB + bb + 4, y + 17, 11, "start", label);
      y += 50;
    }
    for (int k = 0; k <= (int) decades; k++) {
      double xa = leftA + plot * k / decades;
      double xb = leftB + plot * k / decades;
      tick(s, xa, bottom, "10^" + k);
      tick(s, xb, bottom, "10^" + (k + 3));
    }
    axis(s, leftA, top, bottom, plot);
    axis(s, leftB, top, bottom, plot);
    text(s, leftA + plot / 2.0, h - 14, 12, "middle",
        "overhead vs plaintext float64 (x, log scale): median latency per image / plaintext median");
    text(s, leftB + plot / 2.0, h - 14, 12, "middle", "payload bytes per image, both ways (B, log scale)");
    s.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\""
        + " transform=\"rotate(-90 16 %d)\">mode</text>%n", (top + bottom) / 2, (top + bottom) / 2));
    return s.append("</svg>\n").toString();
  }

  private static void bar(StringBuilder s, int x, int y, double width, String fill) {
    s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"26\" fill=\"%s\"/>%n",
        x, y, width, fill));
  }

  private static void tick(StringBuilder s, double x, int bottom, String label) {
    s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>%n",
        x, bottom, x, bottom + 4));
    text(s, x, bottom + 18, 11, "middle", label);
  }

  private static void axis(StringBuilder s, int left, int top, int bottom, int plot) {
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
        left, top, left, bottom));
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
        left, bottom, left + plot, bottom));
  }

  private static void text(StringBuilder s, double x, double y, int size, String anchor, String t) {
    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\">%s</text>%n",
        x, y, size, anchor, t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")));
  }

  /** Bytes in decimal units (kB, MB), as the text outputs give them exactly. */
  static String bytes(long b) {
    return b >= 1_000_000 ? String.format(Locale.ROOT, "%.1f MB", b / 1e6)
        : b >= 1_000 ? String.format(Locale.ROOT, "%.1f kB", b / 1e3) : b + " B";
  }
}
