package dev.oml.service.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.LicenseeProof;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermissionUse;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.permission.PolicyViolationException;
import dev.oml.core.permission.VerifiedPermission;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.service.transport.AbortReason;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.PeerAbortedException;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import dev.oml.testkit.PermissionFixture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The owner server on loopback with TLS: permits, bad clients, load, overload, shutdown. */
class OwnerServerTest {
  private static final TransportConfig CLIENT = new TransportConfig(1 << 20, Duration.ofSeconds(10),
      Duration.ofSeconds(5), Duration.ofSeconds(5));
  private static TlsCredentials tls;
  private final PermissionFixture fx = new PermissionFixture(1_000_000, 1_000_000);
  private final List<OwnerServer> servers = new ArrayList<>();

  @BeforeAll
  static void credentials() {
    tls = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
  }

  @AfterEach
  void stopAndCheckThreads() throws Exception {
    for (OwnerServer s : servers) {
      s.close();
    }
    for (int i = 0; i < 50 && ownerThreads() > 0; i++) {
      Thread.sleep(100);
    }
    assertEquals(0, ownerThreads(), "server threads left running");
  }

  private static long ownerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("oml-owner") && t.isAlive()).count();
  }

  private OwnerServer start(ServerConfig cfg, OwnerService... services) {
    OwnerServer s = OwnerServer.start(cfg, List.of(services));
    servers.add(s);
    return s;
  }

  private ServerConfig config() {
    return ServerConfig.loopback(tls).withTimeouts(Duration.ofMillis(800), Duration.ofSeconds(2));
  }

  private FramedChannel open(OwnerServer s, String service) {
    return ServiceClient.open(s.address(), tls.certificate(), service, CLIENT);
  }

  private PermitRequest requestA(byte[] first) {
    return PermitRequest.create(fx.licenseeA, fx.modelA, InferenceMode.TWO_PARTY, 3,
        Binding.ofFirstMessage(first), fx.clock.instant());
  }

  @Test
  void aLicenseeGetsAPermissionThatVerifies() {
    OwnerServer s = start(config(), new PermitService(fx.issuer));
    byte[] first = fx.bytes(64);
    PermissionToken token;
    try (FramedChannel ch = open(s, PermitService.NAME)) {
      token = PermitService.request(ch, requestA(first));
    }
    byte[] transcript = fx.bytes(32);
    VerifiedPermission v = fx.verifier.verify(token, LicenseeProof.create(fx.licenseeA, token, transcript),
        PermissionUse.of(fx.modelA, InferenceMode.TWO_PARTY, 3, first, transcript));
    assertEquals(3, v.inferences());
  }

  @Test
  void refusalsCarryTheOwnersReason() {
    OwnerServer s = start(config(), new PermitService(fx.issuer));
    try (FramedChannel ch = open(s, PermitService.NAME)) {
      PermitRequest wrongModel = PermitRequest.create(fx.licenseeB, fx.modelA, InferenceMode.TWO_PARTY, 1,
          Binding.ofFirstMessage(new byte[1]), fx.clock.instant());
      // the issuer's own exception type comes back, not a string
      PolicyViolationException e = assertThrows(PolicyViolationException.class,
          () -> PermitService.request(ch, wrongModel));
      assertTrue(e.getMessage().contains("model"), e.getMessage());
      // the session survives a refusal
      PermitService.request(ch, requestA(new byte[2]));
    }
  }

  @Test
  void unknownServicesGarbageAndSilentClientsDoNotHurtTheServer() throws Exception {
    OwnerServer s = start(config(), new PermitService(fx.issuer));
    try (FramedChannel ch = open(s, "no-such-service")) {
      PeerAbortedException e = assertThrows(PeerAbortedException.class, ch::receive);
      assertEquals("the peer aborted: this server does not host the service 'no-such-service'; it hosts "
          + PermitService.NAME, e.getMessage());
      assertEquals(UnknownServiceException.class, ErrorCode.toException(e).getClass());
    }
    try (FramedChannel ch = FramedChannel.connect(s.address(), TlsCredentials.clientContext(tls.certificate()), CLIENT)) {
      ch.send(new byte[] {1, 2, 3});
      assertThrows(ProtocolAbortException.class, ch::receive);
    }
    try (FramedChannel silent = FramedChannel.connect(s.address(), TlsCredentials.clientContext(tls.certificate()), CLIENT)) {
      ProtocolAbortException e = assertThrows(ProtocolAbortException.class, silent::receive);
      assertEquals("the peer aborted: timed out waiting for a message", e.getMessage());
    }
    try (FramedChannel ch = open(s, PermitService.NAME)) {
      ch.send(new byte[7]);
      byte[] r = ch.receive();
      assertEquals(PermitService.REFUSED, r[0]);
      assertEquals(ErrorCode.MALFORMED_PERMISSION.code(),
          AbortReason.decode(java.util.Arrays.copyOfRange(r, 1, r.length)).code());
      PermitService.request(ch, requestA(new byte[3]));
    }
    assertTrue(s.stats().failed() >= 3, s.stats().toString());
  }

  @Test
  void sixteenConcurrentClientsAreAllServed() throws Exception {
    OwnerServer s = start(config().withWorkers(8, 32), new PermitService(fx.issuer));
    ExecutorService clients = Executors.newFixedThreadPool(16);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      for (int c = 0; c < 16; c++) {
        int client = c;
        done.add(clients.submit(() -> {
          try (FramedChannel ch = open(s, PermitService.NAME)) {
            for (int q = 0; q < 5; q++) {
              byte[] first = new byte[] {(byte) client, (byte) q};
              PermissionToken t = PermitService.request(ch, requestA(first));
              assertArrayEquals(Binding.ofFirstMessage(first).bytes(), t.unverifiedClaims().binding().bytes());
            }
          }
          return 5;
        }));
      }
      int total = 0;
      for (Future<Integer> f : done) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      assertEquals(80, total);
    } finally {
      clients.shutdownNow();
    }
    for (int i = 0; i < 50 && s.stats().completed() < 16; i++) {
      Thread.sleep(50);
    }
    assertEquals(16, s.stats().completed(), s.stats().toString());
  }

  @Test
  void overloadIsRefusedAndShutdownAbortsStuckSessions() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    OwnerService stuck = new OwnerService() {
      @Override
      public String name() {
        return "stuck";
      }

      @Override
      public void serve(Channel channel, SessionInfo session) {
        entered.countDown();
        try {
          never.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    OwnerServer s = start(config().withWorkers(1, 0), stuck);
    FramedChannel first = open(s, "stuck");
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    // The only worker is busy and nothing may queue: the next connection is dropped at once.
    assertThrows(ProtocolAbortException.class, () -> {
      try (FramedChannel second = open(s, "stuck")) {
        second.receive();
      }
    });
    assertTrue(s.stats().refused() >= 1, s.stats().toString());
    long t0 = System.nanoTime();
    s.close();
    assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 10, "shutdown took too long");
    ProtocolAbortException e = assertThrows(ProtocolAbortException.class, first::receive);
    assertTrue(e.getMessage().contains("shutting down") || e.getMessage().contains("hung up"), e.getMessage());
    first.close();
  }

  @Test
  void aServiceErrorReachesTheClientWithItsType() {
    OwnerService refusing = new OwnerService() {
      @Override
      public String name() {
        return "refusing";
      }

      @Override
      public void serve(Channel channel, SessionInfo session) {
        channel.receive();
        throw new dev.oml.core.OmlException("no, and here is why");
      }
    };
    OwnerServer s = start(config(), refusing);
    try (FramedChannel ch = open(s, "refusing")) {
      ch.send(new byte[] {1});
      PeerAbortedException e = assertThrows(PeerAbortedException.class, ch::receive);
      assertEquals("the peer aborted: no, and here is why", e.getMessage());
      assertEquals(dev.oml.core.OmlException.class, ErrorCode.toException(e).getClass());
    }
  }

  @Test
  void serviceNamesAreChecked() {
    OwnerService bad = new OwnerService() {
      @Override
      public String name() {
        return "Bad Name";
      }

      @Override
      public void serve(Channel channel, SessionInfo session) {}
    };
    assertThrows(IllegalArgumentException.class, () -> start(config(), bad));
    InetSocketAddress a = start(config(), new PermitService(fx.issuer)).address();
    assertTrue(a.getPort() > 0);
  }
}
