package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.oml.bench.demo.Demo;
import dev.oml.bench.demo.PlaintextTimer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * {@code oml profile} on one and on two images: the JSON and CSV carry every field a reader
 * needs (run, machine, JVM, commit, backend, kappa, date), their figures agree with each other
 * (spread in order, per image from per query, phases that add up to the query), the plaintext
 * denominator is timed on the same schedule whatever {@code --limit} is, and the chart is well-formed SVG with its
 * axis titles, n and backend.
 */
class ProfileCommandTest {
  @TempDir Path dir;

  @Test
  void jsonAndCsvCarryConsistentFiguresAndThePlaintextTimingHoldsAcrossLimits() throws Exception {
    Path svg = dir.resolve("overhead.svg");
    String data = CliRun.root().resolve("data/fashion-mnist-subset").toString();
    CliRun r = CliRun.of("profile", "--limit", "1", "--data", data, "--chart", svg.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode p = Json.MAPPER.readTree(r.out());

    JsonNode run = p.get("run");
    Instant.parse(run.get("date").asText());
    assertTrue(run.get("commit").asText().matches("[0-9a-f]{40}(-dirty)?"), run.toString());
    assertTrue(run.get("machine").get("processors").asInt() >= 1, run.toString());
    assertTrue(run.get("machine").get("cpu_model").asText().length() > 0, run.toString());
    assertTrue(run.get("jvm").asText().contains(System.getProperty("java.runtime.version")), run.toString());
    String backend = p.get("he_backend").asText();
    assertTrue(backend.equals("java") || backend.equals("seal"), backend);
    assertTrue(p.get("kappa").asInt() > 0);

    JsonNode twoParty = p.get("modes").get(0);
    JsonNode he = p.get("modes").get(1);
    assertEquals("2pc", twoParty.get("mode").asText());
    assertEquals("he", he.get("mode").asText());
    assertEquals(p.get("kappa").asInt(), he.get("kappa").asInt());
    for (JsonNode m : List.of(twoParty, he)) {
      assertEquals(1, m.get("images").asInt());
      assertEquals(1, m.get("queries").asInt());
      assertEquals(1.0, m.get("agreement_with_plaintext").asDouble(), m.toString());
      JsonNode query = m.get("latency_ms_per_query");
      JsonNode image = m.get("latency_ms_per_image");
      JsonNode plain = m.get("plaintext_ms_per_image");
      ordered(query);
      ordered(image);
      ordered(plain);
      int perQuery = m.get("images_per_query").asInt();
      for (String k : new String[] {"median", "p95", "min", "max", "mean"}) {
        close(query.get(k).asDouble() / perQuery, image.get(k).asDouble(), "per image " + k);
      }
      close(image.get("median").asDouble() / plain.get("median").asDouble(),
          m.get("overhead_vs_plaintext").asDouble(), "overhead");
      assertEquals(Math.round((double) m.get("bytes_per_query").asLong() / perQuery), m.get("bytes_per_image").asLong());
      assertTrue(plain.get("n").asInt() >= 10, plain.toString());
      for (JsonNode ph : m.get("phases")) {
        ordered(ph.get("ms"));
      }
    }
    // 2PC: one query is one bundle, so its latency is exactly its phases; one image per query
    assertEquals(1, twoParty.get("images_per_query").asInt());
    assertEquals(0, twoParty.get("session_key_bytes").asLong());
    Map<String, JsonNode> tp = phases(twoParty);
    assertEquals(List.of("connect", "permit", "offline", "online"), new ArrayList<>(tp.keySet()));
    close(median(tp, "connect") + median(tp, "permit") + median(tp, "offline") + median(tp, "online"),
        twoParty.get("latency_ms_per_query").get("median").asDouble(), "2PC phases sum to the query");
    assertEquals(tp.get("offline").get("bytes").asLong() + tp.get("online").get("bytes").asLong(),
        twoParty.get("bytes_per_query").asLong());
    assertEquals(tp.get("offline").get("flights").asLong() + tp.get("online").get("flights").asLong(),
        twoParty.get("flights_per_query").asLong());
    // HE: the session keys are reported, apart from the query; the phases fit in the query
    assertTrue(he.get("images_per_query").asInt() >= 1);
    assertTrue(he.get("session_key_bytes").asLong() > 0, he.toString());
    assertTrue(he.get("session_bytes").asLong() > he.get("session_key_bytes").asLong(), he.toString());
    assertEquals(2, he.get("flights_per_query").asLong(), "query out, answer back");
    Map<String, JsonNode> hp = phases(he);
    assertEquals(List.of("session", "keygen", "encrypt", "permit", "send", "owner", "decrypt"),
        new ArrayList<>(hp.keySet()));
    assertTrue(median(hp, "keygen") <= median(hp, "session"));
    assertEquals(he.get("session_bytes").asLong(), hp.get("session").get("bytes").asLong());
    double heSum = median(hp, "encrypt") + median(hp, "permit") + median(hp, "send") + median(hp, "owner")
        + median(hp, "decrypt");
    assertTrue(heSum <= he.get("latency_ms_per_query").get("median").asDouble() + 1e-9, he.toString());

    // The chart: well-formed, one bar per mode in each panel, axis titles, units, n and backend.
    Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
    assertEquals("svg", d.getDocumentElement().getNodeName());
    String text = Files.readString(svg);
    assertTrue(text.contains(">2pc<") && text.contains(">he<"), text);
    for (String s : new String[] {"n = 1 test images per mode", "HE backend " + backend, "kappa ",
        "overhead vs plaintext float64 (x, log scale)", "payload bytes per image, both ways (B, log scale)",
        ">mode<", "ms per image)", "session keys "}) {
      assertTrue(text.contains(s), s + " missing: " + text);
    }

    // The same profile on two images, as CSV.
    CliRun c = CliRun.of("profile", "--limit", "2", "--data", data, "--csv");
    assertEquals(0, c.code(), c.err());
    List<String> lines = c.out().lines().toList();
    assertEquals(Demo.CSV_HEADER, lines.get(0));
    List<String> header = List.of(Demo.CSV_HEADER.split(","));
    Map<String, Map<String, String>> rows = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      List<String> cells = csv(line);
      assertEquals(header.size(), cells.size(), line);
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < cells.size(); i++) {
        row.put(header.get(i), cells.get(i));
      }
      rows.put(row.get("mode") + "/" + row.get("row"), row);
      double median = Double.parseDouble(row.get("median_ms"));
      double p95 = Double.parseDouble(row.get("p95_ms"));
      assertTrue(Double.parseDouble(row.get("min_ms")) <= median && median <= p95
          && p95 <= Double.parseDouble(row.get("max_ms")), line);
      assertEquals("2", row.get("images"), line);
      assertTrue(row.get("commit").matches("[0-9a-f]{40}(-dirty)?") && !row.get("date").isEmpty()
          && !row.get("machine").isEmpty() && !row.get("jvm").isEmpty(), line);
    }
    assertEquals(List.of("2pc/plaintext", "2pc/query", "2pc/image", "2pc/connect", "2pc/permit",
        "2pc/offline", "2pc/online", "he/plaintext", "he/query", "he/image", "he/session", "he/keygen",
        "he/encrypt", "he/permit", "he/send", "he/owner", "he/decrypt"), new ArrayList<>(rows.keySet()));
    assertEquals("2", rows.get("2pc/online").get("n"));
    assertEquals(backend, rows.get("he/query").get("he_backend"));
    assertEquals(p.get("kappa").asText(), rows.get("he/query").get("kappa"));
    assertTrue(Long.parseLong(rows.get("he/keygen").get("bytes")) > 0, "the session keys' size");
    for (String mode : new String[] {"2pc", "he"}) {
      Map<String, String> q = rows.get(mode + "/query");
      close(Double.parseDouble(q.get("median_ms")) / Integer.parseInt(q.get("images_per_query")),
          Double.parseDouble(rows.get(mode + "/image").get("median_ms")), mode + " per image");
    }

    // The denominator, on one image and on two: timed after the same warm-up, with as many
    // samples, whatever --limit is (the times themselves move with the machine's load, so they
    // are compared in docs/benchmarks.md, not here).
    assertEquals("warm-up " + PlaintextTimer.DEFAULT.warmupSchedule() + ", measurement "
        + PlaintextTimer.DEFAULT.measurementSchedule(), p.get("plaintext_timing").asText());
    for (int i = 0; i < 2; i++) {
      String mode = i == 0 ? "2pc" : "he";
      JsonNode one = p.get("modes").get(i).get("plaintext_ms_per_image");
      assertEquals(PlaintextTimer.DEFAULT.iterations(), one.get("n").asInt(), mode + ": " + one);
      assertEquals(one.get("n").asText(), rows.get(mode + "/plaintext").get("n"), mode);
    }
  }

  @Test
  void jsonAndCsvExcludeEachOther() {
    CliRun r = CliRun.of("profile", "--limit", "1", "--json", "--csv");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--json and --csv exclude each other"), r.err());
  }

  private static void ordered(JsonNode s) {
    double min = s.get("min").asDouble();
    double median = s.get("median").asDouble();
    double p95 = s.get("p95").asDouble();
    double max = s.get("max").asDouble();
    double mean = s.get("mean").asDouble();
    assertTrue(s.get("n").asInt() >= 1 && min <= median && median <= p95 && p95 <= max
        && min <= mean && mean <= max && min >= 0, s.toString());
  }

  private static void close(double want, double got, String what) {
    assertTrue(Math.abs(want - got) <= 1e-9 * Math.max(1, Math.abs(want)), what + ": " + want + " vs " + got);
  }

  private static Map<String, JsonNode> phases(JsonNode mode) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    mode.get("phases").forEach(ph -> out.put(ph.get("phase").asText(), ph));
    return out;
  }

  private static double median(Map<String, JsonNode> phases, String name) {
    return phases.get(name).get("ms").get("median").asDouble();
  }

  /** One RFC 4180 record: commas separate, quotes enclose, doubled quotes escape. */
  private static List<String> csv(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (ch == '"') {
          quoted = false;
        } else {
          cell.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        out.add(cell.toString());
        cell.setLength(0);
      } else {
        cell.append(ch);
      }
    }
    out.add(cell.toString());
    return out;
  }
}
