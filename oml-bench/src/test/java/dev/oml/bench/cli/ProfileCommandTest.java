package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** {@code oml profile}: the demo's JSON shape, and an overhead chart that is well-formed SVG. */
class ProfileCommandTest {
  @TempDir Path dir;

  @Test
  void profilePrintsTheDemoShapeAndDrawsTheChart() throws Exception {
    Path svg = dir.resolve("overhead.svg");
    CliRun r = CliRun.of("profile", "--limit", "2", "--data",
        CliRun.root().resolve("data/fashion-mnist-subset").toString(), "--chart", svg.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    String json = r.out().trim();
    assertTrue(json.startsWith("{\"modes\": [") && json.contains("\"overhead_vs_plaintext\": "), json);
    assertTrue(json.contains("\"refused\": [{"), json);
    Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
    assertEquals("svg", d.getDocumentElement().getNodeName());
    // One bar per mode, labelled with its overhead.
    String text = Files.readString(svg);
    assertTrue(text.contains(">2pc<") && text.contains(">he<"), text);
  }
}
