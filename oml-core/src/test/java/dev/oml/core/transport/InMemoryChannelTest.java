package dev.oml.core.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InMemoryChannelTest {

  @Test
  void deliversInOrderAndCountsBytesAndFlights() {
    InMemoryChannel.Pair p = InMemoryChannel.pair();
    p.first().send(new byte[] {1, 2, 3});
    p.first().send(new byte[] {4});
    assertArrayEquals(new byte[] {1, 2, 3}, p.second().receive());
    assertArrayEquals(new byte[] {4}, p.second().receive());
    p.second().send(new byte[5]);
    p.first().receive();
    p.first().send(new byte[0]);
    assertEquals(4, p.first().bytesSent());
    assertEquals(3, p.first().messagesSent());
    assertEquals(2, p.first().roundsSent());
    assertEquals(1, p.second().roundsSent());
    assertEquals(4, p.second().bytesReceived());
    assertEquals(5, p.first().bytesReceived());
  }

  @Test
  void sentArrayIsCopied() {
    InMemoryChannel.Pair p = InMemoryChannel.pair();
    byte[] m = {7};
    p.first().send(m);
    m[0] = 0;
    assertArrayEquals(new byte[] {7}, p.second().receive());
  }

  @Test
  void silentPeerGivesTypedErrorAfterTimeout() {
    InMemoryChannel.Pair p = InMemoryChannel.pair(Duration.ofMillis(50));
    assertThrows(ProtocolAbortException.class, () -> p.second().receive());
  }

  @Test
  void hangUpWakesABlockedReceiverAndAfterwardsEverythingAborts() throws Exception {
    InMemoryChannel.Pair p = InMemoryChannel.pair();
    CompletableFuture<Throwable> waiting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                p.second().receive();
                return null;
              } catch (Throwable t) {
                return t;
              }
            });
    Thread.sleep(20);
    p.first().close();
    assertTrue(waiting.get(5, TimeUnit.SECONDS) instanceof ProtocolAbortException);
    assertThrows(ProtocolAbortException.class, () -> p.second().send(new byte[1]));
    assertThrows(ProtocolAbortException.class, () -> p.first().send(new byte[1]));
    assertThrows(ProtocolAbortException.class, () -> p.first().receive());
    p.first().close(); // idempotent
  }

  @Test
  void messagesSentBeforeHangUpAreStillDelivered() {
    InMemoryChannel.Pair p = InMemoryChannel.pair();
    p.first().send(new byte[] {9});
    p.first().close();
    assertArrayEquals(new byte[] {9}, p.second().receive());
    assertThrows(ProtocolAbortException.class, () -> p.second().receive());
  }
}
