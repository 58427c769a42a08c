package dev.oml.service.modes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.model.Model;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.permission.UnknownLicenseeException;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.HeBackends;
import dev.oml.he.inference.HeCompiledModel;
import dev.oml.he.inference.HeInferenceClient;
import dev.oml.he.inference.HePlanOptions;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.service.server.ErrorCode;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServerBusyException;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.PeerAbortedException;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import dev.oml.testkit.PermissionFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HE service hosted by the owner server: a licensee opens a session over TLS after signing
 * the owner's challenge, and the cap on concurrent HE sessions keeps idle sessions from holding
 * every worker. With the cap as large as the worker pool (the check off), two idle sessions take
 * both workers and an honest permit request is turned away.
 */
class HeInferenceServiceTest {
  private static final TransportConfig CLIENT = new TransportConfig(8 << 20, Duration.ofSeconds(60),
      Duration.ofSeconds(10), Duration.ofSeconds(5));
  private static TlsCredentials tls;
  private static PermissionFixture fx;
  private static HeCompiledModel compiled;

  @BeforeAll
  static void setUp() {
    tls = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
    fx = new PermissionFixture(1_000, 1_000);
    Model m = TinyModels.squareNet(TinyModels.SMALL);
    Random r = new Random(3);
    double[][] calibration = new double[32][];
    for (int i = 0; i < calibration.length; i++) {
      calibration[i] = TinyModels.input(r, 4);
    }
    compiled = HeCompiledModel.compile(m, fx.modelA, HeBackends.pureJava(), HePlanOptions.builder()
        .kappa(6).answerPrecisionBits(4).insecureRingForTesting(1024).calibration(calibration)
        .build());
  }

  private OwnerServer start(int maxHeSessions) {
    PermissionGate gate = new PermissionGate(fx.verifier, new InMemoryLedger(fx.policy::quotaOf));
    return OwnerServer.start(ServerConfig.loopback(tls).withWorkers(2, 0),
        List.of(new PermitService(fx.issuer), new HeInferenceService(compiled, gate, maxHeSessions)));
  }

  private FramedChannel heSession(OwnerServer s) {
    FramedChannel ch = ServiceClient.open(s.address(), tls.certificate(), HeInferenceService.NAME,
        CLIENT);
    HeInferenceClient.connectInsecureForTesting(ch, HeBackends.pureJava(), fx.licenseeA);
    return ch;
  }

  private void honestPermit(OwnerServer s) {
    try (FramedChannel ch = ServiceClient.open(s.address(), tls.certificate(), PermitService.NAME,
        CLIENT)) {
      PermitService.request(ch, PermitRequest.create(fx.licenseeA, fx.modelA,
          InferenceMode.HOMOMORPHIC, 1, Binding.ofFirstMessage(new byte[1]), fx.clock.instant()));
    }
  }

  @Test
  void idleHeSessionsBeyondTheCapAreRefusedAndLeaveWorkersForOthers() throws Exception {
    List<FramedChannel> idle = new ArrayList<>();
    try (OwnerServer capped = start(1)) {
      idle.add(heSession(capped));
      PeerAbortedException e = assertThrows(PeerAbortedException.class,
          () -> idle.add(heSession(capped)));
      assertEquals("the peer aborted: all 1 HE sessions are in use; try later", e.getMessage());
      assertEquals(ServerBusyException.class, ErrorCode.toException(e).getClass());
      honestPermit(capped);
      idle.forEach(FramedChannel::close);
      idle.clear();
    }
    // the cap off (as large as the worker pool): two idle sessions starve the permit desk
    try (OwnerServer uncapped = start(2)) {
      idle.add(heSession(uncapped));
      idle.add(heSession(uncapped));
      ProtocolAbortException e = assertThrows(ProtocolAbortException.class,
          () -> honestPermit(uncapped));
      assertTrue(e.getMessage().contains("server busy"), e.getMessage());
      idle.forEach(FramedChannel::close);
    }
  }

  @Test
  void aStrangerIsRefusedBeforeThePlan() {
    dev.oml.core.keys.SigningKeyPair stranger = dev.oml.core.keys.SigningKeyPair.generate(
        new java.security.SecureRandom());
    try (OwnerServer s = start(1);
        FramedChannel ch = ServiceClient.open(s.address(), tls.certificate(),
            HeInferenceService.NAME, CLIENT)) {
      PeerAbortedException e = assertThrows(PeerAbortedException.class,
          () -> HeInferenceClient.connectInsecureForTesting(ch, HeBackends.pureJava(), stranger));
      assertEquals(UnknownLicenseeException.class, ErrorCode.toException(e).getClass(),
          e.getMessage());
      assertEquals(dev.oml.he.inference.HeOwnerSession.CHALLENGE_BYTES, ch.bytesReceived(),
          "nothing but the challenge reached the stranger");
    }
  }
}
