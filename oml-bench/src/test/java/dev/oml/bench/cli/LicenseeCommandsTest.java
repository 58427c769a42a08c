package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionToken;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.OwnerService;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The owner's commands set up a directory, an owner server built from it runs on loopback, and
 * the licensee's commands {@code query} and {@code permit} talk to it over pinned TLS.
 */
class LicenseeCommandsTest {
  @TempDir Path dir;

  @Test
  void queryAndPermitAgainstAnOwnerServer() throws Exception {
    Path model = CliRun.root().resolve("models/network-a.omlm");
    withOwnerServer(model, false, (home, ledger, address) -> {
      String[] licensee = {"--owner", address, "--cert", home.certificatePem().toString(),
          "--key", dir.resolve("lic/alice.key").toString(),
          "--artifact", dir.resolve("to-alice/artifact.omla").toString()};
      List<String> q = new ArrayList<>(List.of("query", "--mode", "2pc", "--images", "2", "--data",
          CliRun.root().resolve("data/fashion-mnist-subset").toString(), "--compare-with",
          model.toString(), "--json"));
      q.addAll(List.of(licensee));
      CliRun r = CliRun.of(q.toArray(String[]::new));
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("\"agreement_with_plaintext\": 1.0"), r.out());
      assertEquals(2, ledger.charged(home.keyShares(SecretAccess.get()).get(0).licensee()));

      Path first = dir.resolve("first.bin");
      Files.write(first, new byte[] {1, 2, 3});
      List<String> p = new ArrayList<>(List.of("permit", "--mode", "2pc", "-n", "3",
          "--first-message", first.toString(), "--out", dir.resolve("token.bin").toString()));
      p.addAll(List.of(licensee));
      r = CliRun.of(p.toArray(String[]::new));
      assertEquals(0, r.code(), r.err());
      PermissionToken t = PermissionToken.decode(Files.readAllBytes(dir.resolve("token.bin")));
      assertEquals(3, t.unverifiedClaims().inferences());

      // Refusals are one line with the owner's reason (exit 1); a malformed address is a usage
      // error caught locally (exit 2).
      p.set(p.indexOf("3"), "5000");
      r = CliRun.of(p.toArray(String[]::new));
      assertEquals(1, r.code());
      assertTrue(r.err().startsWith("error: the owner refused") && r.err().contains("PolicyViolation"), r.err());
      p.set(p.indexOf(address), "no-port");
      r = CliRun.of(p.toArray(String[]::new));
      assertEquals(2, r.code());
      assertTrue(r.err().contains("HOST:PORT"), r.err());
    });
  }

  /**
   * {@code query --mode he --json}: three images in one rows query that has room for more; the
   * latency per image is the query's over the three images it carried, not over its capacity.
   * A small square model on Fashion-MNIST images keeps the production ring's query quick.
   */
  @Test
  void heQueryReportsLatencyPerImageSent() throws Exception {
    Path npz = dir.resolve("sq.npz");
    TinyNpz.writeSquare(npz, 0.05, 1);
    Path model = dir.resolve("sq.omlm");
    CliRun imp = CliRun.of("import", npz.toString(), "--out", model.toString());
    assertEquals(0, imp.code(), imp.err());
    withOwnerServer(model, true, (home, ledger, address) -> {
      CliRun r = CliRun.of("query", "--mode", "he", "--images", "3", "--packing", "rows",
          "--data", CliRun.root().resolve("data/fashion-mnist-subset").toString(), "--json",
          "--owner", address,
          "--cert", home.certificatePem().toString(),
          "--key", dir.resolve("lic/alice.key").toString(),
          "--artifact", dir.resolve("to-alice/artifact.omla").toString());
      assertEquals(0, r.code(), r.err());
      JsonNode j = Json.MAPPER.readTree(r.out());
      assertEquals(3, j.get("images").asInt(), r.out());
      assertEquals(1, j.get("queries").asInt(), "one query carries the three images: " + r.out());
      assertTrue(j.get("notes").asText().matches("(\\d+) images per query \\(rows.*")
          && Integer.parseInt(j.get("notes").asText().split(" ")[0]) > 3,
          "the query has room for more than three: " + r.out());
      double query = j.get("latency_ms_per_query_median").asDouble();
      assertEquals(query / 3, j.get("latency_ms_per_image_median").asDouble(), 1e-9 * query,
          r.out());
      assertEquals(3, ledger.charged(home.keyShares(SecretAccess.get()).get(0).licensee()));
    });
  }

  /** What a test does against the running owner server; {@code address} is {@code host:port}. */
  private interface AgainstServer {
    void run(OwnerHome home, PermissionLedger ledger, String address) throws Exception;
  }

  /**
   * Sets up an owner directory and a licensee {@code alice} (key pair under {@code lic/}, her
   * artifact of {@code model} under {@code to-alice/}), starts an owner server for it on
   * loopback (serving {@code model} in HE mode too if {@code serveHe}) and runs {@code body}.
   */
  private void withOwnerServer(Path model, boolean serveHe, AgainstServer body) throws Exception {
    Path owner = dir.resolve("owner");
    assertEquals(0, CliRun.of("owner-init", "--dir", owner.toString()).code());
    assertEquals(0, CliRun.of("keygen", "--out", dir.resolve("lic").toString(), "--name", "alice").code());
    CliRun o = CliRun.of("omlize", "--model", model.toString(),
        "--licensee", dir.resolve("lic/alice.pub").toString(), "--owner-dir", owner.toString(),
        "--out", dir.resolve("to-alice").toString());
    assertEquals(0, o.code(), o.err());

    OwnerHome home = OwnerHome.open(owner);
    PermissionPolicy policy = home.policy(SecretAccess.get());
    try (PermissionLedger ledger = home.openLedger(policy)) {
      List<OwnerService> services = new ArrayList<>();
      services.add(new PermitService(new PermissionIssuer(home.ownerKey(SecretAccess.get()), policy,
          Clock.systemUTC(), new SecureRandom(), ledger::charged)));
      services.addAll(HeModes.services(home, policy, ledger,
          serveHe ? List.of(ModelFiles.load(model)) : List.of()));
      try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(home.tls()), services)) {
        body.run(home, ledger, "127.0.0.1:" + server.address().getPort());
      }
    }
  }
}
