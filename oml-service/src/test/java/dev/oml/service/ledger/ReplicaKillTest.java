package dev.oml.service.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.PreparedBundle;
import dev.oml.mpc.inference.TwoPartyParameters;
import dev.oml.mpc.inference.TwoPartyUser;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.service.modes.ModeServices;
import dev.oml.service.modes.TwoPartyInferenceService;
import dev.oml.service.server.ErrorCode;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.PeerAbortedException;
import dev.oml.service.transport.TransportConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica killed with SIGKILL in the middle of a licensee's bundle. Two owner servers run from
 * copies of one owner directory whose {@code ledger.properties} selects one PostgreSQL ledger:
 * one in a child JVM, one here. The licensee prepares a bundle of 3 at the child (the spend is
 * committed), runs one query, and the child is killed; the next query fails with a typed
 * {@link ProtocolAbortException}. The bundle was charged exactly once; its permission replayed at
 * the surviving replica is refused (not charged again); a new bundle there computes the reference
 * logits and is charged its own {@code n}. Tagged slow: a child JVM and real 2PC bundles take
 * about 30 s on the shared 2-core machine ({@code mvn -B verify -Pslow -pl oml-service -am
 * -Dtest=ReplicaKillTest}).
 */
@org.junit.jupiter.api.Tag("slow")
class ReplicaKillTest {
  private static PostgresCluster pg;
  @TempDir Path dir;

  @BeforeAll
  static void startPostgres() {
    pg = PostgresCluster.start();
  }

  @BeforeEach
  void needsPostgres() {
    PostgresCluster.require(pg);
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  @Timeout(180)
  void aReplicaKilledMidBundleFailsTypedAndChargesOnce() throws Exception {
    pg.createDatabase("kill");
    SecureRandom rnd = new SecureRandom();
    Path ownerDir = dir.resolve("owner");
    OwnerHome home = OwnerHome.init(ownerDir, rnd);
    FixedPointFormat fmt = FixedPointFormat.of(32, 10);
    Model model = TinyModels.mlp(fmt, 81, false);
    SigningKeyPair licensee = SigningKeyPair.generate(rnd);
    Omlization o = Omlizer.omlize(model, home.ownerPublicKey(), licensee.publicKey(), rnd);
    home.addKeyShare(o.keyShare(), SecretAccess.get());
    Path pw = dir.resolve("ledger.password");
    Files.writeString(pw, pg.password());
    Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
    home.useSharedLedger(pg.jdbcUrl("kill"), pg.user(), pw, null);
    PermissionPolicy policy = home.policy(SecretAccess.get());

    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        ReplicaChild.class.getName(), ownerDir.toString()).redirectErrorStream(true).start();
    try (PermissionLedger audit = home.openLedger(policy);
        OwnerServer survivor = OwnerServer.start(ServerConfig.loopback(home.tls()),
            ModeServices.forOwner(home, policy, audit, List.of(), null, null))) {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
          StandardCharsets.UTF_8));
      String line;
      int port = -1;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("port ")) {
          port = Integer.parseInt(line.substring(5).trim());
          break;
        }
      }
      assertTrue(port > 0, "the child replica did not start");
      Thread drain = new Thread(() -> {
        try {
          while (out.readLine() != null) {
            // the child's log, read so that it never blocks on a full pipe
          }
        } catch (java.io.IOException ignored) {
          // the child is gone
        }
      });
      drain.setDaemon(true);
      drain.start();

      TwoPartyParameters params = TwoPartyParameters.standard(fmt);
      TwoPartyUser user = new TwoPartyUser(o.artifact(), licensee, params, OutputPolicy.LOGITS, rnd);
      PermissionIssuer issuer = new PermissionIssuer(home.ownerKey(SecretAccess.get()), policy,
          Clock.systemUTC(), rnd);
      FixedPointInference reference = new FixedPointInference(QuantizedModel.of(model));
      Random inputs = new Random(3);

      TwoPartyUser.Preparation prep = user.beginPrepare(3);
      byte[] first = prep.firstMessage(issuer.issue(PermitRequest.create(licensee,
          o.artifact().modelId(), InferenceMode.TWO_PARTY, 3, prep.binding(), Clock.systemUTC().instant())));
      try (FramedChannel ch = ServiceClient.open(new InetSocketAddress("127.0.0.1", port),
          home.tls().certificate(), TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
        ch.send(first);
        byte[] reply = ch.receive();
        ch.send(prep.onReply(reply));
        PreparedBundle bundle = prep.finish(ch.receive());
        long[] x = reference.encodeInput(TinyModels.input(inputs, 8));
        assertArrayEquals(reference.logits(x), user.infer(ch, bundle, x).logits());
        assertEquals(3, audit.charged(licensee.keyId()));

        child.destroyForcibly(); // SIGKILL
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        long[] y = reference.encodeInput(TinyModels.input(inputs, 8));
        assertThrows(ProtocolAbortException.class, () -> user.infer(ch, bundle, y));
      }
      assertEquals(3, audit.charged(licensee.keyId()), "the killed replica's bundle is charged once");

      // the same permission at the surviving replica: a replay, refused and not charged again
      try (FramedChannel ch = ServiceClient.open(survivor.address(), home.tls().certificate(),
          TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
        ch.send(first);
        PeerAbortedException e = assertThrows(PeerAbortedException.class, ch::receive);
        assertNotNull(e.getMessage());
        assertTrue(ErrorCode.toException(e) instanceof PermissionReplayedException, e.getMessage());
      }
      assertEquals(3, audit.charged(licensee.keyId()));

      // service resumes at the survivor with a new permission
      try (FramedChannel ch = ServiceClient.open(survivor.address(), home.tls().certificate(),
          TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
        PreparedBundle b = user.prepare(ch, 2, (n, binding) -> issuer.issue(PermitRequest.create(
            licensee, o.artifact().modelId(), InferenceMode.TWO_PARTY, n, binding,
            Clock.systemUTC().instant())));
        for (int q = 0; q < 2; q++) {
          long[] x = reference.encodeInput(TinyModels.input(inputs, 8));
          assertArrayEquals(reference.logits(x), user.infer(ch, b, x).logits());
        }
      }
      assertEquals(5, audit.charged(licensee.keyId()));
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
