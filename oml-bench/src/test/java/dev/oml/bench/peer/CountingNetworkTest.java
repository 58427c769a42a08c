package dev.oml.bench.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dk.alexandra.fresco.framework.network.CloseableNetwork;
import java.util.ArrayDeque;
import org.junit.jupiter.api.Test;

/** Counts what a party sends to others, not to itself, and passes everything through. */
class CountingNetworkTest {
  /** Party 1 of 2; every message sent comes back on receive, whoever it was for. */
  private static final class Echo implements CloseableNetwork {
    final ArrayDeque<byte[]> queue = new ArrayDeque<>();

    @Override
    public void send(int partyId, byte[] data) {
      queue.add(data);
    }

    @Override
    public byte[] receive(int partyId) {
      return queue.poll();
    }

    @Override
    public int getNoOfParties() {
      return 2;
    }

    @Override
    public void close() {}
  }

  @Test
  void countsPayloadAndMessagesToOtherPartiesOnly() {
    CountingNetwork net = new CountingNetwork(new Echo(), 1);
    net.send(2, new byte[10]);
    net.send(1, new byte[100]);
    net.sendToAll(new byte[7]);
    assertEquals(17, net.bytesSent());
    assertEquals(2, net.messagesSent());
    assertEquals(17 + 2 * 4, net.wireBytesSent());
    assertEquals(2, net.getNoOfParties());
  }

  @Test
  void passesMessagesThrough() {
    CountingNetwork net = new CountingNetwork(new Echo(), 1);
    net.send(2, new byte[] {1, 2, 3});
    assertArrayEquals(new byte[] {1, 2, 3}, net.receive(2));
  }
}
