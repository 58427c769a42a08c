package dev.oml.bench.peer;

import dk.alexandra.fresco.framework.network.CloseableNetwork;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A decorator over one party's FRESCO network that counts what this party sends to the others:
 * payload bytes and messages. Messages to itself (FRESCO's self-queue) are not traffic and are
 * not counted. FRESCO's socket layer adds a 4-byte length prefix per message on the wire; the
 * payload count leaves it out, {@link #wireBytesSent()} puts it in.
 */
final class CountingNetwork implements CloseableNetwork {
  private static final int FRAME_BYTES = Integer.BYTES;

  private final CloseableNetwork inner;
  private final int myId;
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong messagesSent = new AtomicLong();

  CountingNetwork(CloseableNetwork inner, int myId) {
    this.inner = inner;
    this.myId = myId;
  }

  @Override
  public void send(int partyId, byte[] data) {
    if (partyId != myId) {
      bytesSent.addAndGet(data.length);
      messagesSent.incrementAndGet();
    }
    inner.send(partyId, data);
  }

  @Override
  public byte[] receive(int partyId) {
    return inner.receive(partyId);
  }

  @Override
  public int getNoOfParties() {
    return inner.getNoOfParties();
  }

  /** Payload bytes sent to other parties since creation. */
  long bytesSent() {
    return bytesSent.get();
  }

  /** Messages sent to other parties since creation. */
  long messagesSent() {
    return messagesSent.get();
  }

  /** Bytes on the wire: payload plus FRESCO's length prefix per message. */
  long wireBytesSent() {
    return bytesSent.get() + FRAME_BYTES * messagesSent.get();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
