package dev.oml.service.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of a framed connection: the largest frame accepted (which bounds the memory one peer can
 * make the other allocate), how long to wait for a frame to start (idle timeout), how long the
 * peer may stall between two reads inside a started frame (read timeout), the total time one
 * frame may take from its first byte to its last (frame deadline), the total time a TLS handshake
 * may take (handshake deadline), and the connect timeout. The two deadlines are what stop a peer
 * that trickles one byte just before each read timeout: a read timeout alone restarts with every
 * byte.
 *
 * @param maxFrameBytes largest payload accepted or sent, in bytes
 * @param idleTimeout longest wait for a frame to start
 * @param readTimeout longest stall between two reads inside a frame or a handshake
 * @param connectTimeout longest wait for a TCP connection
 * @param frameDeadline longest time one frame may take, from its first byte to its last
 * @param handshakeDeadline longest time a TLS handshake may take in all
 */
public record TransportConfig(int maxFrameBytes, Duration idleTimeout, Duration readTimeout,
    Duration connectTimeout, Duration frameDeadline, Duration handshakeDeadline) {
  /** Default frame deadline of the four-argument constructor. */
  public static final Duration DEFAULT_FRAME_DEADLINE = Duration.ofSeconds(120);
  /** Default handshake deadline of the four-argument constructor. */
  public static final Duration DEFAULT_HANDSHAKE_DEADLINE = Duration.ofSeconds(10);

  /**
   * 128 MiB frames (HE session keys, the largest upload, travel in 1 MiB parts), 5
   * minutes idle, 30 s per stall, 10 s to connect, 120 s per frame (128 MiB at about 10 Mbit/s),
   * 10 s per handshake.
   */
  public static final TransportConfig DEFAULT = new TransportConfig(128 << 20,
      Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(10));

  public TransportConfig {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(readTimeout, "readTimeout");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(frameDeadline, "frameDeadline");
    Objects.requireNonNull(handshakeDeadline, "handshakeDeadline");
    if (maxFrameBytes < 1) {
      throw new IllegalArgumentException("maxFrameBytes must be positive");
    }
    for (Duration d : new Duration[] {idleTimeout, readTimeout, connectTimeout, frameDeadline,
        handshakeDeadline}) {
      if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("timeouts must be positive and below 2^31 ms, got " + d);
      }
    }
  }

  /** Limits with the default frame deadline (120 s) and handshake deadline (10 s). */
  public TransportConfig(int maxFrameBytes, Duration idleTimeout, Duration readTimeout,
      Duration connectTimeout) {
    this(maxFrameBytes, idleTimeout, readTimeout, connectTimeout, DEFAULT_FRAME_DEADLINE,
        DEFAULT_HANDSHAKE_DEADLINE);
  }

  /** The same limits with another idle timeout. */
  public TransportConfig withIdleTimeout(Duration d) {
    return new TransportConfig(maxFrameBytes, d, readTimeout, connectTimeout, frameDeadline,
        handshakeDeadline);
  }

  /** The same limits with another maximum frame size. */
  public TransportConfig withMaxFrameBytes(int n) {
    return new TransportConfig(n, idleTimeout, readTimeout, connectTimeout, frameDeadline,
        handshakeDeadline);
  }

  /** The same limits with other total deadlines for one frame and for the TLS handshake. */
  public TransportConfig withDeadlines(Duration frame, Duration handshake) {
    return new TransportConfig(maxFrameBytes, idleTimeout, readTimeout, connectTimeout, frame,
        handshake);
  }
}
