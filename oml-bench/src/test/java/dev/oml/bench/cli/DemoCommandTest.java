package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main command end to end: owner on loopback over TLS, both modes, the three
 * refusals, and the JSON shape the profile promises.
 */
class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void demoRunsBothModesRefusesTheBadPermissionsAndPrintsTheProfile() throws Exception {
    CliRun r = CliRun.of("demo", "--images", "2", "--owner-dir", dir.resolve("owner").toString(), "--json");
    int code = r.code();
    String json = r.out().trim();
    assertEquals(0, code, r.err());
    assertTrue(json.startsWith("{\"run\": {\"date\": ") && json.endsWith("}"), json);
    assertTrue(json.contains("\"modes\": [{\"mode\": \"2pc\"") && json.contains("{\"mode\": \"he\""), json);
    for (String key : new String[] {"commit", "machine", "jvm", "he_backend", "kappa", "accuracy",
        "latency_ms_per_query", "latency_ms_per_image", "bytes_per_query", "flights_per_query",
        "session_key_bytes", "overhead_vs_plaintext", "phases", "artifact_only_accuracy", "refused"}) {
      assertTrue(json.contains("\"" + key + "\": "), key + " missing: " + json);
    }
    // Both modes agree with the plaintext model on the two images.
    assertEquals(2, json.split("\"agreement_with_plaintext\": 1.0").length - 1, json);
    assertTrue(json.contains("PermissionReplayedException"), json);
    assertTrue(json.contains("InvalidSignatureException"), json);
    assertTrue(json.contains("LicenseeProofException"), json);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"artifact_only_accuracy\": ([0-9.]+)")
        .matcher(json);
    assertTrue(m.find(), json);
    assertTrue(Double.parseDouble(m.group(1)) <= 0.15, "the artifact alone must be useless: " + json);
    // The owner's state is on disk: key shares (owner-only) and the durable ledger.
    assertTrue(Files.size(dir.resolve("owner/ledger.oml")) > 0);
    try (var s = Files.list(dir.resolve("owner/shares"))) {
      assertEquals(2, s.count());
    }
  }
}
