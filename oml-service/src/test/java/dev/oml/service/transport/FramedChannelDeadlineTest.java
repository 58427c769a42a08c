package dev.oml.service.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.transport.ProtocolAbortException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow and greedy peers against the transport's total deadlines and its memory rule, over real
 * loopback sockets. Each deadline is shown twice: with the check on, the attack is cut at the
 * deadline; with it off (the test-only switch), the same peer holds the connection well past it.
 */
class FramedChannelDeadlineTest {
  /** 1 s per frame and per handshake; a stall of up to 2 s between bytes is tolerated. */
  private static final TransportConfig TIGHT = new TransportConfig(128 << 20, Duration.ofSeconds(2),
      Duration.ofSeconds(2), Duration.ofSeconds(2)).withDeadlines(Duration.ofSeconds(1),
      Duration.ofSeconds(1));
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

  /** Writes {@code head}, then one byte of {@code trickle} every {@code everyMs}, then hangs up. */
  private Future<?> trickler(ServerSocket server, byte[] head, byte[] trickle, long everyMs) {
    return pool.submit(() -> {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
        OutputStream o = s.getOutputStream();
        o.write(head);
        o.flush();
        for (byte b : trickle) {
          Thread.sleep(everyMs);
          o.write(b);
          o.flush();
        }
        Thread.sleep(200);
      } catch (IOException | InterruptedException e) {
        // the server cut the connection: what the deadline is for
      }
      return null;
    });
  }

  private static byte[] header(int length, int type) {
    return new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8),
        (byte) length, (byte) type};
  }

  @Test
  void aFrameTrickledByteByByteIsCutAtTheFrameDeadline() throws Exception {
    // 24 bytes, one every 150 ms: each read waits far less than the 2 s read timeout, the whole
    // frame takes about 3.6 s against a deadline of 1 s
    byte[] body = new byte[24];
    for (boolean enforce : new boolean[] {true, false}) {
      try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
        Future<?> peer = trickler(server, header(body.length, FramedChannel.DATA), body, 150);
        try (FramedChannel ch = FramedChannel.over(server.accept(), TIGHT, enforce)) {
          long t0 = System.nanoTime();
          if (enforce) {
            ProtocolAbortException e = assertThrows(ProtocolAbortException.class, ch::receive);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(e.getMessage().contains("frame deadline"), e.getMessage());
            assertTrue(ms < 2_500, "cut after " + ms + " ms");
          } else {
            assertArrayEquals(body, ch.receive(), "without the deadline the trickle gets through");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms > 3_000, "held the frame open for " + ms + " ms, past the 1 s deadline");
          }
        }
        peer.get(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aTlsHandshakeTrickledByteByByteIsCutAtTheHandshakeDeadline() throws Exception {
    // a TLS handshake record announcing 512 bytes, then its body one byte every 200 ms for 4 s:
    // JSSE's reads restart their timeout with every byte, only the watchdog ends it
    byte[] record = {0x16, 0x03, 0x01, 0x02, 0x00};
    byte[] body = new byte[20];
    for (boolean enforce : new boolean[] {true, false}) {
      try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
        Future<?> peer = trickler(server, record, body, 200);
        Socket raw = server.accept();
        long t0 = System.nanoTime();
        ProtocolAbortException e = assertThrows(ProtocolAbortException.class,
            () -> FramedChannel.accept(raw, owner.serverContext(), TIGHT, enforce));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        if (enforce) {
          assertTrue(e.getMessage().contains("handshake took longer"), e.getMessage());
          assertTrue(ms < 2_500, "cut after " + ms + " ms");
        } else {
          assertTrue(ms > 3_500, "without the watchdog the handshake was held " + ms + " ms");
        }
        assertTrue(raw.isClosed());
        peer.get(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void anAnnouncedFrameIsAllocatedOnlyAsItsBytesArrive() throws Exception {
    // 100 MiB announced, 10 KiB sent, then silence until the deadline cuts the frame
    int announced = 100 << 20;
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Future<?> peer = pool.submit(() -> {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
          s.getOutputStream().write(header(announced, FramedChannel.DATA));
          s.getOutputStream().write(new byte[10 << 10]);
          s.getOutputStream().flush();
          Thread.sleep(2_500);
        } catch (IOException | InterruptedException e) {
          // cut by the server
        }
        return null;
      });
      try (FramedChannel ch = FramedChannel.over(server.accept(), TIGHT)) {
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(me);
        assertThrows(ProtocolAbortException.class, ch::receive);
        long allocated = threads.getThreadAllocatedBytes(me) - before;
        assertTrue(allocated < 4 << 20, "allocated " + allocated + " B for a frame announced at "
            + announced + " B of which 10 KiB arrived");
      }
      peer.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void oversizedAndUnknownFramesAreAnsweredWithAnAbortNamingTheReason() throws Exception {
    assertEquals("frame of 1000000 bytes exceeds the limit of 1000",
        abortReasonFor(header(1_000_000, FramedChannel.DATA), 1000));
    assertEquals("unknown frame type 9", abortReasonFor(header(0, 9), 1000));
  }

  /**
   * Sends raw bytes to a channel receiving with a step bound of {@code bound}, and returns the
   * reason of the ABORT frame the channel answers with. The oversized body is never sent: the
   * refusal comes from the announced length alone.
   */
  private String abortReasonFor(byte[] raw, int bound) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Future<String> peer = pool.submit(() -> {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
          s.setSoTimeout(5_000);
          s.getOutputStream().write(raw);
          s.getOutputStream().flush();
          DataInputStream in = new DataInputStream(s.getInputStream());
          int length = in.readInt();
          assertEquals(FramedChannel.ABORT, in.readUnsignedByte());
          byte[] reason = new byte[length];
          in.readFully(reason);
          return AbortReason.decode(reason).message();
        }
      });
      try (FramedChannel ch = FramedChannel.over(server.accept(), TIGHT)) {
        assertThrows(ProtocolAbortException.class, () -> ch.receive(bound));
      }
      return peer.get(10, TimeUnit.SECONDS);
    }
  }
}
