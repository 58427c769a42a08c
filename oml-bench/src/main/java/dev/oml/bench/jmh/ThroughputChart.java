package dev.oml.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.oml.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws the images per second of {@link HeThroughputBenchmark} runs as an SVG bar chart (log
 * scale), from JMH's JSON results ({@code -rf json}), so that the figure in
 * {@code docs/benchmarks.md} can be regenerated from the run it shows, or from JMH's text output
 * of a run stopped before it wrote its JSON (the mean of the measured shots per benchmark and
 * backend, which is JMH's single-shot score). One group of bars per file (a labelled run, e.g. before and after a change), one bar per benchmark and backend,
 * with the issue's targets (100 images/s in pure Java, 300 with SEAL) as dashed lines. Scores
 * are milliseconds per image ({@code @OperationsPerInvocation} is the query's image count), so
 * images/s = {@code 1000 / score}. Run from the repository root:
 * {@code java -cp "oml-bench/target/oml-bench.jar:oml-bench/target/lib/*"
 * dev.oml.bench.jmh.ThroughputChart docs/he-throughput.svg before=a.json after=b.json}.
 */
public final class ThroughputChart {
  /** A bar: run label, benchmark method, backend, score in ms per image. */
  record Bar(String run, String benchmark, String backend, double msPerImage) {
    double imagesPerSecond() {
      return 1000.0 / msPerImage;
    }
  }

  /** A JMH result file that is not what this chart reads. */
  static final class BadResultsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadResultsException(String message) {
      super(message);
    }
  }

  private ThroughputChart() {}

  /**
   * Exit 0 on success; 2 with one line on stderr for bad arguments or results files; nothing is
   * written then.
   */
  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: ThroughputChart OUT.svg LABEL=RESULTS.json [LABEL=RESULTS.json ...]");
      System.exit(2);
    }
    try {
      List<Bar> bars = new ArrayList<>();
      for (int i = 1; i < args.length; i++) {
        int eq = args[i].indexOf('=');
        if (eq <= 0) {
          throw new BadResultsException("argument " + args[i] + " is not LABEL=RESULTS.json");
        }
        Path p = Path.of(args[i].substring(eq + 1));
        String json;
        try {
          json = Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new BadResultsException("cannot read " + p + ": " + e.getMessage());
        }
        String label = args[i].substring(0, eq);
        bars.addAll(json.stripLeading().startsWith("[") ? parse(label, json)
            : parseLog(label, json));
      }
      AtomicFiles.write(Path.of(args[0]), svg(bars).getBytes(StandardCharsets.UTF_8), false);
    } catch (BadResultsException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    }
  }

  /** The bars of one JMH JSON result file: its {@code HeThroughputBenchmark} entries. */
  static List<Bar> parse(String run, String json) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new BadResultsException("run " + run + ": not JSON");
    }
    if (root == null || !root.isArray()) {
      throw new BadResultsException("run " + run + ": not a JMH JSON result list");
    }
    List<Bar> bars = new ArrayList<>();
    for (JsonNode r : root) {
      String name = r.path("benchmark").asText("");
      if (!name.contains("HeThroughputBenchmark.")) {
        continue;
      }
      String unit = r.path("primaryMetric").path("scoreUnit").asText("");
      double score = r.path("primaryMetric").path("score").asDouble(Double.NaN);
      if (!unit.equals("ms/op") || !(score > 0) || Double.isInfinite(score)) {
        throw new BadResultsException("run " + run + ": " + name + " has no positive score in "
            + "ms/op");
      }
      bars.add(new Bar(run, name.substring(name.lastIndexOf('.') + 1),
          r.path("params").path("backend").asText("java"), score));
    }
    if (bars.isEmpty()) {
      throw new BadResultsException("run " + run + ": no HeThroughputBenchmark result");
    }
    return bars;
  }

  /**
   * The bars of JMH's text output: for every {@code # Benchmark:} of
   * {@code HeThroughputBenchmark} with its {@code # Parameters: (backend = ...)}, the mean of
   * its measured shots ({@code Iteration k: x ms/op}, or {@code Iteration k:} with the value on
   * a later line of its own when the setup printed in between); warm-up shots are not measured,
   * and a shot whose line ends otherwise (a run stopped during it) is left out, as are
   * benchmarks without a measured shot.
   */
  static List<Bar> parseLog(String run, String log) {
    List<Bar> bars = new ArrayList<>();
    String bench = null;
    String backend = "java";
    double sum = 0;
    int shots = 0;
    // 0: no shot waits for its value; 1: a warm-up shot does; 2: a measured shot does
    int pending = 0;
    for (String raw : (log + "\n# Benchmark: end").split("\n")) {
      String line = raw.trim();
      if (line.startsWith("# Benchmark: ")) {
        if (bench != null && shots > 0) {
          bars.add(new Bar(run, bench, backend, sum / shots));
        }
        String name = line.substring("# Benchmark: ".length()).trim();
        bench = name.contains("HeThroughputBenchmark.")
            ? name.substring(name.lastIndexOf('.') + 1) : null;
        backend = "java";
        sum = 0;
        shots = 0;
        pending = 0;
      } else if (line.startsWith("# Parameters: (backend = ")) {
        backend = line.substring("# Parameters: (backend = ".length()).replace(")", "").trim();
      } else if (bench != null && (line.startsWith("Iteration ")
          || line.startsWith("# Warmup Iteration "))) {
        boolean measured = line.startsWith("Iteration ");
        String rest = line.substring(line.indexOf(':') + 1).trim();
        pending = 0;
        if (rest.isEmpty()) {
          pending = measured ? 2 : 1;
        } else if (measured) {
          double v = shot(run, bench, rest);
          if (v > 0) {
            sum += v;
            shots++;
          }
        }
      } else if (pending != 0 && line.matches("[0-9.,]+ [a-z]+/op")) {
        double v = shot(run, bench, line);
        if (pending == 2 && v > 0) {
          sum += v;
          shots++;
        }
        pending = 0;
      }
    }
    if (bars.isEmpty()) {
      throw new BadResultsException("run " + run + ": no measured HeThroughputBenchmark shot");
    }
    return bars;
  }

  /** A shot's {@code x ms/op}, or 0 if the text is not a finished shot's. */
  private static double shot(String run, String bench, String text) {
    String[] f = text.split(" ");
    if (f.length != 2 || !f[1].endsWith("/op") || !f[0].matches("[0-9.,]+")) {
      return 0;
    }
    if (!f[1].equals("ms/op")) {
      throw new BadResultsException("run " + run + ": a shot of " + bench + " is not in ms/op");
    }
    double v = Double.parseDouble(f[0].replace(",", ""));
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new BadResultsException("run " + run + ": a shot of " + bench + " is not positive");
    }
    return v;
  }

  /** The chart: horizontal bars, images/s on a log scale from 10^-1 to 10^5. */
  static String svg(List<Bar> bars) {
    int left = 330;
    int plot = 560;
    double lo = -1;
    double hi = 5;
    int top = 60;
    int rowH = 24;
    int h = top + bars.size() * rowH + 30 + 60;
    int w = left + plot + 170;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
        + "height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
    s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
    text(s, 10, 22, 15, "start", "HE network, owner throughput (HeThroughputBenchmark, JMH), "
        + "images per second, log scale");
    text(s, 10, 40, 12, "start", "N = 16384, flooded, kappa 6; plaintext = float64 inference "
        + "in the same run; dashed: targets (Java 100, SEAL 300 images/s)");
    int bottom = top + bars.size() * rowH + 10;
    String previous = null;
    int y = top;
    for (Bar b : bars) {
      if (!b.run().equals(previous)) {
        text(s, 10, y + 16, 12, "start", b.run() + ":");
        previous = b.run();
      }
      text(s, left - 8, y + 16, 12, "end", b.benchmark() + ", " + b.backend());
      double v = Math.log10(b.imagesPerSecond());
      double bw = plot * (Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo);
      String fill = b.benchmark().startsWith("plaintext") ? "#999999"
          : b.backend().equals("seal") ? "#b5764a" : "#4a78b5";
      s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" "
          + "fill=\"%s\"><title>%s</title></rect>%n", left, y + 3, bw, fill,
          label(b)));
      text(s, left + bw + 4, y + 16, 11, "start", label(b));
      y += rowH;
    }
    for (int k = (int) lo; k <= (int) hi; k++) {
      double x = left + plot * (k - lo) / (hi - lo);
      s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
          + "stroke=\"#ddd\"/>%n", x, top, x, bottom));
      text(s, x, bottom + 16, 11, "middle", "10^" + k);
    }
    for (double target : new double[] {100, 300}) {
      double x = left + plot * (Math.log10(target) - lo) / (hi - lo);
      s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
          + "stroke=\"#c00\" stroke-dasharray=\"4 3\"/>%n", x, top, x, bottom));
      text(s, x, top - 4, 10, "middle", String.format(Locale.ROOT, "%.0f", target));
    }
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
        + "stroke=\"black\"/>%n", left, bottom, left + plot, bottom));
    text(s, left + plot / 2.0, bottom + 36, 12, "middle", "images per second (1000 / ms per "
        + "image), log scale");
    return s.append("</svg>\n").toString();
  }

  private static String label(Bar b) {
    double v = b.imagesPerSecond();
    return String.format(Locale.ROOT, v >= 10 ? "%.0f images/s (%.3g ms per image)"
        : "%.2f images/s (%.3g ms per image)", v, b.msPerImage());
  }

  private static void text(StringBuilder s, double x, double y, int size, String anchor,
      String t) {
    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" "
        + "text-anchor=\"%s\">%s</text>%n", x, y, size, anchor, t.replace("&", "&amp;")
        .replace("<", "&lt;").replace(">", "&gt;")));
  }
}
