package dev.oml.service.server;

import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How the owner server runs: where it listens, its TLS identity, the per-connection transport
 * limits (which bound the memory one connection can claim), the size of its worker pool and of
 * the queue of accepted connections waiting for a worker (beyond which new connections are
 * refused with "server busy"), how long a client may take to name its service, and how long a
 * graceful shutdown lets sessions finish before aborting them.
 */
public record ServerConfig(InetSocketAddress bind, TlsCredentials tls, TransportConfig transport,
    int workers, int queue, Duration helloTimeout, Duration shutdownGrace) {
  public ServerConfig {
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(helloTimeout, "helloTimeout");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    if (workers < 1 || queue < 0) {
      throw new IllegalArgumentException("workers must be >= 1 and queue >= 0");
    }
  }

  /** Loopback on an ephemeral port, 8 workers, 32 queued, 10 s hello, 30 s grace. */
  public static ServerConfig loopback(TlsCredentials tls) {
    return new ServerConfig(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), tls,
        TransportConfig.DEFAULT, 8, 32, Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  public ServerConfig withWorkers(int n, int queued) {
    return new ServerConfig(bind, tls, transport, n, queued, helloTimeout, shutdownGrace);
  }

  public ServerConfig withTransport(TransportConfig t) {
    return new ServerConfig(bind, tls, t, workers, queue, helloTimeout, shutdownGrace);
  }

  public ServerConfig withTimeouts(Duration hello, Duration grace) {
    return new ServerConfig(bind, tls, transport, workers, queue, hello, grace);
  }
}
