package dev.oml.bench.cli;

import dev.oml.bench.demo.Demo;
import dev.oml.bench.demo.RunInfo;
import dev.oml.bench.demo.Stats;
import java.util.Locale;

/**
 * The quality profile as {@code oml profile} prints it in Markdown: where and when it ran, one
 * row per mode (per query and per image, with median and p95, bytes beside time, session keys),
 * the phases of both modes with their spread, and the refusals. {@code oml demo} prints the
 * same tables after its narrative.
 */
final class ProfileReport {
  private ProfileReport() {}

  static String markdown(Demo.Profile p, int images) {
    StringBuilder s = new StringBuilder();
    RunInfo r = p.run();
    s.append(String.format(Locale.ROOT, "## Quality profile (%d test images per mode)%n%n", images));
    s.append(String.format(Locale.ROOT, "Run %s, commit %s; %s, load average %.2f at the start; %s.%n",
        r.date(), r.commit(), r.machine(), r.loadAverage(), r.jvm()));
    s.append(String.format(Locale.ROOT, "HE backend %s, kappa %d. Plaintext float64 timed in the same "
        + "process after warm-up (%s).%n%n", p.heBackend(), p.kappa(), p.plaintextSchedule()));
    s.append("| mode | accuracy | agreement with plaintext | images per query | ms per query, median (p95) "
        + "| ms per image, median (p95) | bytes per query | bytes per image | flights per query "
        + "| session keys, bytes once | overhead vs plaintext (median per image) |\n");
    s.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Demo.ModeFigures m : p.modes()) {
      s.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %d | %s | %s | %d | %d | %d | %d | %.0fx |%n",
          m.mode(), m.accuracy(), m.agreement(), m.imagesPerQuery(), medianP95(m.perQueryMs()),
          medianP95(m.perImageMs()), m.bytesPerQuery(), m.bytesPerImage(), m.flightsPerQuery(),
          m.sessionKeyBytes(), m.overheadVsPlaintext()));
    }
    s.append(String.format(Locale.ROOT, "%nPhases (ms; bytes and flights per instance where the phase "
        + "has messages of its own):%n%n"));
    s.append("| mode | phase | per | n | median | p95 | min | max | bytes | flights |\n");
    s.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (Demo.ModeFigures m : p.modes()) {
      if (m.plaintextMs() != null) {
        phaseRow(s, m.mode(), "plaintext float64 (" + m.model() + ")", "image", m.plaintextMs(), null, null);
      }
      for (Demo.Phase ph : m.phases()) {
        phaseRow(s, m.mode(), ph.name(), ph.per(), ph.ms(), ph.bytes(), ph.flights());
      }
    }
    s.append(String.format(Locale.ROOT, "%nArtifact alone: accuracy %.4f (chance 0.1).%n%n",
        p.artifactOnlyAccuracy()));
    for (Demo.ModeFigures m : p.modes()) {
      s.append("- ").append(m.mode()).append(" (").append(m.model()).append("): ").append(m.notes())
          .append('\n');
    }
    s.append("\nRefused:\n");
    for (Demo.Refusal x : p.refused()) {
      s.append("- ").append(x.attempt()).append(": ").append(x.error()).append('\n');
    }
    return s.toString();
  }

  private static void phaseRow(StringBuilder s, String mode, String phase, String per, Stats t,
      Long bytes, Long flights) {
    s.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s |%n", mode, phase,
        per, t.n(), ms(t.median()), ms(t.p95()), ms(t.min()), ms(t.max()),
        bytes == null ? "" : bytes.toString(), flights == null ? "" : flights.toString()));
  }

  static String medianP95(Stats t) {
    return ms(t.median()) + " (" + ms(t.p95()) + ")";
  }

  /** Milliseconds with three significant digits at least, without exponent. */
  static String ms(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
        : v >= 1 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.4f", v);
  }
}
