package dev.oml.core.transport;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Channel} endpoint backed by in-process queues, for tests and for running both parties
 * in one JVM. Messages are copied on send, so neither side can alter a message after the fact
 * (as over a real network). Closing an endpoint enqueues a hang-up marker for the peer, so a
 * peer waiting in {@link #receive()} aborts at once rather than at its timeout.
 */
public final class InMemoryChannel implements Channel {
  /** Timeout used by {@link #pair()}: long enough for slow CI machines, short enough to fail. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  // Identity-compared marker: a closed peer, as distinct from any (possibly empty) message.
  private static final byte[] HANG_UP = new byte[0];

  private final LinkedBlockingQueue<byte[]> inbox;
  private final LinkedBlockingQueue<byte[]> outbox;
  private final long timeoutNanos;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean peerClosed;
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong bytesReceived = new AtomicLong();
  private final AtomicLong rounds = new AtomicLong();
  private final AtomicLong messages = new AtomicLong();
  private boolean lastWasSend;

  private InMemoryChannel(
      LinkedBlockingQueue<byte[]> inbox, LinkedBlockingQueue<byte[]> outbox, Duration timeout) {
    this.inbox = inbox;
    this.outbox = outbox;
    this.timeoutNanos = timeout.toNanos();
  }

  /** Two connected endpoints with {@link #DEFAULT_TIMEOUT}. */
  public static Pair pair() {
    return pair(DEFAULT_TIMEOUT);
  }

  /**
   * Two connected endpoints whose {@link #receive()} gives up after {@code timeout}.
   *
   * @throws IllegalArgumentException if the timeout is not positive
   */
  public static Pair pair(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    LinkedBlockingQueue<byte[]> aToB = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<byte[]> bToA = new LinkedBlockingQueue<>();
    return new Pair(
        new InMemoryChannel(bToA, aToB, timeout), new InMemoryChannel(aToB, bToA, timeout));
  }

  /** Two connected endpoints; what {@code first} sends, {@code second} receives and back. */
  public record Pair(InMemoryChannel first, InMemoryChannel second) {}

  @Override
  public void send(byte[] message) {
    Objects.requireNonNull(message, "message");
    if (closed.get()) {
      throw new ProtocolAbortException("cannot send: this channel is closed");
    }
    if (peerClosed) {
      throw new ProtocolAbortException("cannot send: the peer closed the channel");
    }
    outbox.add(message.clone());
    bytesSent.addAndGet(message.length);
    messages.incrementAndGet();
    if (!lastWasSend) {
      rounds.incrementAndGet();
      lastWasSend = true;
    }
  }

  @Override
  public byte[] receive() {
    if (closed.get()) {
      throw new ProtocolAbortException("cannot receive: this channel is closed");
    }
    if (peerClosed) {
      throw new ProtocolAbortException("the peer closed the channel");
    }
    byte[] m;
    try {
      m = inbox.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProtocolAbortException("interrupted while waiting for the peer", e);
    }
    if (m == null) {
      throw new ProtocolAbortException(
          "the peer sent nothing within " + Duration.ofNanos(timeoutNanos) + "; giving up");
    }
    if (m == HANG_UP) {
      peerClosed = true;
      throw new ProtocolAbortException("the peer closed the channel");
    }
    bytesReceived.addAndGet(m.length);
    lastWasSend = false;
    return m;
  }

  @Override
  public long bytesSent() {
    return bytesSent.get();
  }

  @Override
  public long bytesReceived() {
    return bytesReceived.get();
  }

  @Override
  public long roundsSent() {
    return rounds.get();
  }

  @Override
  public long messagesSent() {
    return messages.get();
  }

  /** True once this endpoint was closed. */
  public boolean isClosed() {
    return closed.get();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      outbox.add(HANG_UP);
    }
  }
}
