package dev.oml.core.transport;

/**
 * An ordered, reliable, two-party byte-message pipe: what each protocol step sends and receives,
 * and nothing more. Protocols are local functions over messages, so the same code runs over
 * {@link InMemoryChannel} in one JVM and over a framed TCP connection across machines; keeping
 * this interface to whole messages (not streams) is what lets the TCP version add framing and
 * length limits in one place.
 *
 * <p>A channel counts what crossed it, so benchmarks can report bytes and rounds without
 * instrumenting protocols. A <em>round</em> here is one flight: a maximal run of messages sent
 * without receiving in between; a request and its reply are two flights.
 *
 * <p>Failure is typed: a peer that closed, hung up or stays silent past the channel's timeout
 * makes {@link #receive()} throw {@link ProtocolAbortException} instead of blocking forever.
 * After {@link #close()} every operation throws {@link ProtocolAbortException}. Implementations
 * are meant for one protocol thread per endpoint; the counters may be read from any thread.
 */
public interface Channel extends AutoCloseable {

  /**
   * Sends one message. The array is not retained after the call returns (implementations copy
   * it or write it out), so callers may erase it.
   *
   * @throws ProtocolAbortException if this channel or its peer is closed
   */
  void send(byte[] message);

  /**
   * Receives the next message, waiting at most the channel's timeout.
   *
   * @throws ProtocolAbortException if the peer closed, or no message came in time
   */
  byte[] receive();

  /**
   * Receives the next message if it has at most {@code maxBytes} bytes; a larger one ends the
   * channel. A protocol step that knows how large its next message can be (HE session keys, a
   * fixed-size request) uses this, so a peer cannot make it hold more. Channels that see the
   * length before the body (framed TCP) refuse before reading the body; this default, for
   * channels that hand over whole messages, checks after.
   *
   * @throws ProtocolAbortException if the message is larger, the peer closed, or no message came
   *     in time
   */
  default byte[] receive(int maxBytes) {
    byte[] m = receive();
    if (m.length > maxBytes) {
      close();
      throw new ProtocolAbortException("a message of " + m.length + " bytes exceeds the "
          + maxBytes + " bytes this step accepts");
    }
    return m;
  }

  /** Total payload bytes sent on this endpoint. */
  long bytesSent();

  /** Total payload bytes received on this endpoint. */
  long bytesReceived();

  /** Number of flights this endpoint has sent (see the class comment). */
  long roundsSent();

  /** Number of messages this endpoint has sent. */
  long messagesSent();

  /**
   * Closes this endpoint; a peer blocked in {@link #receive()} wakes up with a {@link
   * ProtocolAbortException}. Idempotent; never throws.
   */
  @Override
  void close();
}
