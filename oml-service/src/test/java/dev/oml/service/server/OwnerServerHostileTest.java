package dev.oml.service.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import dev.oml.testkit.PermissionFixture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One hostile behaviour per test against the owner server on loopback, each beside an honest
 * permit request that must still be answered. Where a check can be turned off (a per-address
 * limit as large as the pool, a service without an admission step, an acceptor made to fail),
 * the same attack is run with it off and visibly succeeds. Hostile peers connect from other
 * loopback addresses (127.0.0.2 and up) so the per-address limit tells them from the honest
 * client on 127.0.0.1.
 */
class OwnerServerHostileTest {
  private static final TransportConfig CLIENT = new TransportConfig(1 << 20, Duration.ofSeconds(10),
      Duration.ofSeconds(5), Duration.ofSeconds(5));
  /** 5 s for a handshake or a frame: long enough that a test acts while hostile peers still sit. */
  private static final TransportConfig SERVER = new TransportConfig(1 << 20, Duration.ofSeconds(10),
      Duration.ofSeconds(2), Duration.ofSeconds(2)).withDeadlines(Duration.ofSeconds(5),
      Duration.ofSeconds(5));
  private static TlsCredentials tls;
  private final PermissionFixture fx = new PermissionFixture(1_000_000, 1_000_000);
  private final List<OwnerServer> servers = new ArrayList<>();
  private final List<Socket> hostile = new ArrayList<>();

  @BeforeAll
  static void credentials() {
    tls = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
  }

  @AfterEach
  void stopAndCheckThreads() throws Exception {
    for (Socket s : hostile) {
      s.close();
    }
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
    return ServerConfig.loopback(tls).withTransport(SERVER)
        .withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(2));
  }

  /**
   * A plain TCP connection from {@code 127.0.0.x} that never says anything. A connection the
   * server refuses on accept may be reset before {@code connect} returns: that is a refusal too.
   */
  private Socket silentFrom(OwnerServer s, int x) throws IOException {
    Socket sock = new Socket();
    hostile.add(sock);
    sock.bind(new InetSocketAddress(InetAddress.getByName("127.0.0." + x), 0));
    try {
      sock.connect(s.address(), 2_000);
    } catch (java.net.SocketException reset) {
      sock.close();
    }
    return sock;
  }

  /** A TLS connection from {@code 127.0.0.x} that names {@code service} and then says nothing. */
  private FramedChannel idleAfterHelloFrom(OwnerServer s, int x, String service) {
    FramedChannel ch = FramedChannel.connect(s.address(), loopback(x),
        TlsCredentials.clientContext(tls.certificate()), CLIENT);
    ch.send(OwnerServer.hello(service));
    return ch;
  }

  private static InetAddress loopback(int x) {
    try {
      return InetAddress.getByName("127.0.0." + x);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One honest permit round trip from 127.0.0.1; throws if it is not answered. */
  private PermissionToken honestPermit(OwnerServer s) {
    try (FramedChannel ch = ServiceClient.open(s.address(), tls.certificate(), PermitService.NAME,
        CLIENT)) {
      return PermitService.request(ch, PermitRequest.create(fx.licenseeA, fx.modelA,
          InferenceMode.TWO_PARTY, 1, Binding.ofFirstMessage(fx.bytes(16)), fx.clock.instant()));
    }
  }

  @Test
  void silentConnectionsFromOneAddressCannotCrowdOutAnother() throws Exception {
    // limit on: 12 silent connections from 127.0.0.2, 4 admitted, 8 closed on accept
    OwnerServer limited = start(config().withAdmission(8, 4), new PermitService(fx.issuer));
    for (int i = 0; i < 12; i++) {
      silentFrom(limited, 2);
    }
    waitFor(() -> limited.stats().refused() >= 8);
    assertEquals(fx.modelA, honestPermit(limited).unverifiedClaims().modelId());
    assertEquals(8, limited.stats().refused(), limited.stats().toString());
    // limit off (as large as the pool): the same 12 fill the admission pool, and the honest
    // client is turned away until their handshake deadline
    OwnerServer unlimited = start(config().withAdmission(8, 100), new PermitService(fx.issuer));
    for (int i = 0; i < 12; i++) {
      silentFrom(unlimited, 2);
    }
    waitFor(() -> unlimited.stats().refused() >= 4);
    assertThrows(ProtocolAbortException.class, () -> honestPermit(unlimited),
        "without the per-address limit the silent connections starve the honest one");
  }

  @Test
  void clientsIdleAfterTheirHelloNeverTakeAWorker() throws Exception {
    // an admission step that reads the first request keeps idle clients off the only worker
    OwnerService lazy = new OwnerService() {
      @Override
      public String name() {
        return "lazy";
      }

      @Override
      public void serve(Channel channel, SessionInfo session) {
        channel.send(channel.receive());
      }
    };
    OwnerServer s = start(config().withWorkers(1, 0).withAdmission(8, 4),
        new PermitService(fx.issuer), lazy);
    List<FramedChannel> idle = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      idle.add(idleAfterHelloFrom(s, 3, PermitService.NAME));
    }
    Thread.sleep(300);
    honestPermit(s);
    // the same idleness against a service without an admission step holds the worker
    idle.add(idleAfterHelloFrom(s, 4, "lazy"));
    Thread.sleep(300);
    ProtocolAbortException e = assertThrows(ProtocolAbortException.class, () -> honestPermit(s));
    assertTrue(e.getMessage().contains("server busy"), e.getMessage());
    for (FramedChannel ch : idle) {
      ch.close();
    }
  }

  @Test
  void anErrorInASessionIsCaughtAndTheWorkerServesTheNextClient() throws Exception {
    OwnerService crashing = new OwnerService() {
      @Override
      public String name() {
        return "crash";
      }

      @Override
      public void serve(Channel channel, SessionInfo session) {
        byte[] m = channel.receive();
        if (m[0] == 0) {
          throw new OutOfMemoryError("simulated");
        }
        throw new StackOverflowError();
      }
    };
    OwnerServer s = start(config().withWorkers(1, 0), new PermitService(fx.issuer), crashing);
    for (byte kind = 0; kind < 2; kind++) {
      try (FramedChannel ch = ServiceClient.open(s.address(), tls.certificate(), "crash", CLIENT)) {
        ch.send(new byte[] {kind});
        ProtocolAbortException e = assertThrows(ProtocolAbortException.class, ch::receive);
        assertEquals("the peer aborted: internal error", e.getMessage());
      }
      honestPermit(s);
    }
    waitFor(() -> s.stats().completed() >= 2);
    assertEquals(2, s.stats().failed(), s.stats().toString());
  }

  @Test
  void theAcceptorSurvivesErrors() throws Exception {
    OwnerServer s = start(config(), new PermitService(fx.issuer));
    s.failNextAcceptsForTesting(3);
    for (int i = 0; i < 3; i++) {
      assertThrows(ProtocolAbortException.class, () -> honestPermit(s));
    }
    honestPermit(s);
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) {
      Thread.sleep(50);
    }
    assertTrue(condition.getAsBoolean(), "condition not reached in 5 s");
  }
}
