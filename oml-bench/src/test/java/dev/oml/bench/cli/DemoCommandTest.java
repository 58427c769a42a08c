package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.bench.eval.ArtifactEvaluator;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.FieldOmlizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main command end to end: owner on loopback over TLS, both modes, the three
 * refusals, and the JSON shape the profile promises; run twice on one owner directory (slow).
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
    // On two images the artifact alone is right by chance one time in five; the next test judges it
    // on fifty.
    double alone = Double.parseDouble(m.group(1));
    assertTrue(alone >= 0 && alone <= 1, json);
    // The owner's state is on disk: key shares (owner-only) and the durable ledger.
    assertTrue(Files.size(dir.resolve("owner/ledger.oml")) > 0);
    try (var s = Files.list(dir.resolve("owner/shares"))) {
      assertEquals(2, s.count());
    }
  }

  /**
   * Run twice on one owner directory: the second run adds a second licensee of both networks,
   * and the server serves both licensees' HE models from one compilation (it used to refuse to
   * start). Slow: two demos at 128-bit HE parameters.
   */
  @Test
  @org.junit.jupiter.api.Tag("slow")
  void demoRunsTwiceOnOneOwnerDirectory() throws Exception {
    String owner = dir.resolve("owner").toString();
    for (int run = 1; run <= 2; run++) {
      CliRun r = CliRun.of("demo", "--images", "1", "--owner-dir", owner, "--json");
      assertEquals(0, r.code(), "run " + run + ": " + r.err());
      assertEquals(2, r.out().split("\"agreement_with_plaintext\": 1.0").length - 1, r.out());
      try (var s = Files.list(dir.resolve("owner/shares"))) {
        assertEquals(2L * run, s.count());
      }
    }
  }

  @Test
  void theArtifactAloneIsNoBetterThanChanceOnFiftyImages() {
    Model a = ModelFiles.load(CliRun.root().resolve("models/network-a.omlm"));
    SecureRandom rng = new SecureRandom();
    SigningKeyPair owner = SigningKeyPair.generate(rng);
    SigningKeyPair licensee = SigningKeyPair.generate(rng);
    FieldOmlizer.Result o = FieldOmlizer.omlize(a, a.format().fractionalBits(), owner.publicKey(),
        licensee.publicKey(), rng);
    Dataset images = FashionMnist.test(CliRun.root().resolve("data/fashion-mnist-subset")).limit(50);
    // Chance is 0.1; a constant answer scores its class's share of the 50 images (at most about
    // 0.2 in the subset); the model itself scores about 0.9.
    double accuracy = ArtifactEvaluator.evaluate(o.artifact(), images).accuracy();
    assertTrue(accuracy <= 0.3, "the artifact alone scored " + accuracy);
  }
}
