package dev.oml.service.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of a framed connection: the largest frame accepted (which bounds the memory one peer can
 * make the other allocate), how long to wait for a frame to start (idle timeout), how long a
 * started frame may take to arrive (read timeout), and the connect timeout.
 *
 * @param maxFrameBytes largest payload accepted or sent, in bytes
 */
public record TransportConfig(int maxFrameBytes, Duration idleTimeout, Duration readTimeout,
    Duration connectTimeout) {
  /**
   * 128 MiB frames (the largest one-off message, SEAL's HE session keys, is about 105 MB), 5
   * minutes idle, 30 s to finish a frame, 10 s to connect.
   */
  public static final TransportConfig DEFAULT = new TransportConfig(128 << 20,
      Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(10));

  public TransportConfig {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(readTimeout, "readTimeout");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    if (maxFrameBytes < 1) {
      throw new IllegalArgumentException("maxFrameBytes must be positive");
    }
    for (Duration d : new Duration[] {idleTimeout, readTimeout, connectTimeout}) {
      if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("timeouts must be positive and below 2^31 ms, got " + d);
      }
    }
  }

  /** The same limits with another idle timeout. */
  public TransportConfig withIdleTimeout(Duration d) {
    return new TransportConfig(maxFrameBytes, d, readTimeout, connectTimeout);
  }

  /** The same limits with another maximum frame size. */
  public TransportConfig withMaxFrameBytes(int n) {
    return new TransportConfig(n, idleTimeout, readTimeout, connectTimeout);
  }
}
