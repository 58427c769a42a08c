package dev.oml.service.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Framed channels over real loopback sockets, with TLS and certificate pinning. */
class FramedChannelTest {
  private static final TransportConfig FAST = new TransportConfig(1 << 20, Duration.ofSeconds(2),
      Duration.ofSeconds(2), Duration.ofSeconds(2));
  private static TlsCredentials owner;
  private static ExecutorService pool;

  @BeforeAll
  static void setUp() {
    owner = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
    pool = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() throws Exception {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS), "test threads did not finish");
  }

  private static ServerSocket tlsServer() throws IOException {
    SSLServerSocket s = (SSLServerSocket) owner.serverContext().getServerSocketFactory()
        .createServerSocket(0, 8, InetAddress.getLoopbackAddress());
    return s;
  }

  private static InetSocketAddress addr(ServerSocket s) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
  }

  @Test
  void exchangesMessagesOverTlsAndCountsBytesAndRounds() throws Exception {
    try (ServerSocket server = tlsServer()) {
      Future<byte[]> echo = pool.submit(() -> {
        try (FramedChannel ch = FramedChannel.over(server.accept(), FAST)) {
          byte[] a = ch.receive();
          byte[] b = ch.receive();
          ch.send(b);
          ch.send(a);
          return a;
        }
      });
      byte[] big = new byte[300_000];
      new Random(1).nextBytes(big);
      try (FramedChannel c = FramedChannel.connect(addr(server),
          TlsCredentials.clientContext(owner.certificate()), FAST)) {
        c.send(big);
        c.send(new byte[0]);
        assertArrayEquals(new byte[0], c.receive());
        assertArrayEquals(big, c.receive());
        assertEquals(300_000, c.bytesSent());
        assertEquals(300_000, c.bytesReceived());
        assertEquals(1, c.roundsSent());
        assertEquals(2, c.messagesSent());
      }
      assertArrayEquals(big, echo.get(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void aClientRefusesAServerWithAnotherCertificate() throws Exception {
    TlsCredentials impostor = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
    try (ServerSocket server = tlsServer()) {
      Future<?> accept = pool.submit(() -> {
        try (Socket s = server.accept()) {
          FramedChannel.over(s, FAST);
        } catch (ProtocolAbortException expected) {
          // the client hangs up during the handshake
        }
        return null;
      });
      SSLContext pinnedElsewhere = TlsCredentials.clientContext(impostor.certificate());
      ProtocolAbortException e = assertThrows(ProtocolAbortException.class,
          () -> FramedChannel.connect(addr(server), pinnedElsewhere, FAST));
      // Said in the user's terms, not the JDK's "PKIX path building failed".
      assertTrue(e.getMessage().contains("did not present the trusted (pinned) certificate"), e.getMessage());
      accept.get(5, TimeUnit.SECONDS);
    }
  }

  /** Plain TCP so that the test can write raw, malformed bytes. */
  private static ProtocolAbortException receiveAfterRaw(byte[] raw, boolean hangUp) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
          DataOutputStream o = new DataOutputStream(s.getOutputStream());
          o.write(raw);
          o.flush();
          if (!hangUp) {
            Thread.sleep(3_000);
          }
        } catch (IOException | InterruptedException e) {
          // the reader closes first in some cases
        }
      }, pool);
      try (FramedChannel ch = FramedChannel.over(server.accept(), FAST)) {
        ProtocolAbortException e = assertThrows(ProtocolAbortException.class, ch::receive);
        assertThrows(ProtocolAbortException.class, ch::receive, "a failed channel stays failed");
        writer.get(10, TimeUnit.SECONDS);
        return e;
      }
    }
  }

  @Test
  void oversizedFramesAreRefusedBeforeAllocating() throws Exception {
    byte[] raw = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1};
    assertTrue(receiveAfterRaw(raw, true).getMessage().contains("exceeds the limit"));
  }

  @Test
  void unknownFrameTypesAndTruncatedFramesAreProtocolErrors() throws Exception {
    assertTrue(receiveAfterRaw(new byte[] {0, 0, 0, 1, 9, 0}, true).getMessage().contains("unknown frame type 9"));
    assertTrue(receiveAfterRaw(new byte[] {0, 0, 0, 10, 1, 1, 2, 3}, true).getMessage().contains("hung up"));
  }

  @Test
  void aSilentPeerTimesOutAndAStalledFrameToo() throws Exception {
    assertTrue(receiveAfterRaw(new byte[0], false).getMessage().contains("sent nothing"));
    assertTrue(receiveAfterRaw(new byte[] {0, 0, 0, 10, 1, 1}, false).getMessage().contains("stalled"));
  }

  @Test
  void orderlyCloseAndAbortAreToldApart() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Future<?> peer = pool.submit(() -> {
        FramedChannel ch = FramedChannel.over(server.accept(), FAST);
        ch.abort("bad message\nwith a newline");
        return null;
      });
      try (FramedChannel c = FramedChannel.connect(addr(server), null, FAST)) {
        ProtocolAbortException e = assertThrows(ProtocolAbortException.class, c::receive);
        assertEquals("the peer aborted: bad message?with a newline", e.getMessage());
      }
      peer.get(5, TimeUnit.SECONDS);
      Future<?> closer = pool.submit(() -> {
        FramedChannel.over(server.accept(), FAST).close();
        return null;
      });
      try (FramedChannel c = FramedChannel.connect(addr(server), null, FAST)) {
        ProtocolAbortException e = assertThrows(ProtocolAbortException.class, c::receive);
        assertEquals("the peer closed the channel", e.getMessage());
        assertThrows(ProtocolAbortException.class, () -> c.send(new byte[1]));
      }
      closer.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void sendingMoreThanTheFrameLimitIsRefusedLocally() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Future<?> peer = pool.submit(() -> {
        try (FramedChannel ch = FramedChannel.over(server.accept(), FAST)) {
          assertArrayEquals(new byte[] {1}, ch.receive());
        }
        return null;
      });
      try (FramedChannel c = FramedChannel.connect(addr(server), null, FAST.withMaxFrameBytes(16))) {
        assertThrows(ProtocolAbortException.class, () -> c.send(new byte[17]));
        c.send(new byte[] {1});
      }
      peer.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void connectingToNobodyIsATypedError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertThrows(ProtocolAbortException.class, () -> FramedChannel.connect(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), port), null, FAST));
  }
}
