package dev.oml.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.OmlException;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.mpc.testkit.TinyModels;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The owner facade: it starts from an owner directory with the services its key shares call for,
 * closes the server before the ledger (so the directory can be served again at once), releases
 * what it opened when starting fails, and refuses bad settings at build().
 */
class OwnerNodeTest {
  @TempDir Path dir;

  @Test
  void startsFromADirectoryClosesInOrderAndCanStartAgain() {
    Path owner = dir.resolve("owner");
    FacadeFixtures.ownerDirectory(owner, SigningKeyPair.generate(new SecureRandom()), 10, null);
    OwnerNodeConfig config = OwnerNodeConfig.builder(owner).port(0).build();
    try (OwnerNode node = OwnerNode.start(config)) {
      assertEquals(List.of("permit", "2pc-inference"), node.services());
      assertTrue(node.address().getPort() > 0);
      assertEquals(node.certificate(), dev.oml.service.transport.TlsCredentials.readPem(node.certificatePem()));
      // the durable ledger is held while the node runs: a second node on the directory is refused
      assertThrows(OmlException.class, () -> OwnerNode.start(config));
    }
    // closed in order: the ledger was released, so the directory serves again
    try (OwnerNode again = OwnerNode.start(config)) {
      assertEquals(0, again.stats().sessions());
    }
  }

  @Test
  void aFailedStartReleasesTheLedger() throws Exception {
    Path owner = dir.resolve("owner");
    FacadeFixtures.ownerDirectory(owner, SigningKeyPair.generate(new SecureRandom()), 10, null);
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      OwnerNodeConfig busy = OwnerNodeConfig.builder(owner).port(taken.getLocalPort()).build();
      assertThrows(OmlException.class, () -> OwnerNode.start(busy));
    }
    // an HE model that matches no key share is refused rather than silently not served
    OwnerNodeConfig noMatch = OwnerNodeConfig.builder(owner).port(0)
        .heModel(TinyModels.squareNet(FacadeFixtures.FORMAT)).build();
    OmlException e = assertThrows(OmlException.class, () -> OwnerNode.start(noMatch));
    assertTrue(e.getMessage().contains("matches no key share"), e.getMessage());
    try (OwnerNode node = OwnerNode.start(OwnerNodeConfig.builder(owner).port(0).build())) {
      assertTrue(node.address().getPort() > 0);
    }
    assertThrows(OmlException.class, () -> OwnerNode.start(dir.resolve("not-an-owner")));
  }

  @Test
  void theConfigRefusesBadSettingsAtBuild() {
    Path owner = dir.resolve("owner");
    assertThrows(InvalidConfigException.class, () -> OwnerNodeConfig.builder(null).build());
    assertThrows(InvalidConfigException.class, () -> OwnerNodeConfig.builder(owner).port(-1).build());
    assertThrows(InvalidConfigException.class, () -> OwnerNodeConfig.builder(owner).port(65536).build());
    assertThrows(InvalidConfigException.class, () -> OwnerNodeConfig.builder(owner).workers(0).build());
    assertThrows(InvalidConfigException.class,
        () -> OwnerNodeConfig.builder(owner).timeouts(Duration.ZERO, Duration.ofSeconds(1)).build());
    assertThrows(InvalidConfigException.class, () -> OwnerNodeConfig.builder(owner)
        .heModel(TinyModels.squareNet(FacadeFixtures.FORMAT)).heModel(TinyModels.squareNet(FacadeFixtures.FORMAT)).build());
    assertThrows(InvalidConfigException.class, () -> OwnerNodeConfig.builder(owner)
        .heModel(TinyModels.squareNet(FacadeFixtures.FORMAT)).calibration(new double[][] {{1, 2}}).build());
    assertThrows(InvalidConfigException.class, () -> OwnerNodeConfig.builder(owner).host("no such host.invalid").build());
    OwnerNodeConfig ok = OwnerNodeConfig.builder(owner).workers(3).build();
    assertEquals(12, ok.queue());
    assertEquals(OwnerNodeConfig.DEFAULT_PORT, ok.bind().getPort());
  }
}
