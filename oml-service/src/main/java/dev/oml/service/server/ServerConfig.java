package dev.oml.service.server;

import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How the owner server runs: where it listens, its TLS identity, the per-connection transport
 * limits (which bound the memory and time one connection can claim), the size of its worker pool
 * and of the queue of admitted sessions waiting for a worker (beyond which sessions are refused
 * with "server busy"), how long a client may take to name its service, how long a graceful
 * shutdown lets sessions finish before aborting them, the size of the admission pool
 * (connections in TLS handshake, hello or authentication; a full pool refuses new connections
 * with "server busy"), how many connections one remote address may hold open at once (further
 * ones are closed on accept, before any TLS work), and how long a client may take after its
 * hello to send what authenticates it (the admission timeout).
 *
 * <p>Why two pools: a connection costs a thread for as long as it has not shown who it is, and
 * an attacker without credentials can open many. Those connections live only in the admission
 * pool, bounded by the handshake and frame deadlines and the hello timeout, so they can delay
 * new connections but never take the workers of authenticated sessions. The per-address limit
 * keeps one address from filling the admission pool alone; behind a proxy every client shares
 * the proxy's address, so set it to the admission pool's size there.
 */
public record ServerConfig(InetSocketAddress bind, TlsCredentials tls, TransportConfig transport,
    int workers, int queue, Duration helloTimeout, Duration shutdownGrace, int admissionWorkers,
    int maxConnectionsPerPeer, Duration admissionTimeout) {
  /** Default size of the admission pool. */
  public static final int DEFAULT_ADMISSION_WORKERS = 32;
  /** Default limit of open connections per remote address. */
  public static final int DEFAULT_CONNECTIONS_PER_PEER = 16;
  /**
   * Default wait for what authenticates a client after its hello: a 2PC client computes its
   * bundle's first message (and fetches its permit) after connecting, which takes seconds for a
   * large bundle; the wait costs an admission thread, never a worker.
   */
  public static final Duration DEFAULT_ADMISSION_TIMEOUT = Duration.ofSeconds(30);

  public ServerConfig {
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(helloTimeout, "helloTimeout");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    Objects.requireNonNull(admissionTimeout, "admissionTimeout");
    if (workers < 1 || queue < 0) {
      throw new IllegalArgumentException("workers must be >= 1 and queue >= 0");
    }
    if (admissionWorkers < 1 || maxConnectionsPerPeer < 1) {
      throw new IllegalArgumentException("admissionWorkers and maxConnectionsPerPeer must be >= 1");
    }
    if (helloTimeout.isNegative() || helloTimeout.isZero() || admissionTimeout.isNegative()
        || admissionTimeout.isZero()) {
      throw new IllegalArgumentException("helloTimeout and admissionTimeout must be positive");
    }
  }

  /** A configuration with the default admission pool, per-address limit and admission timeout. */
  public ServerConfig(InetSocketAddress bind, TlsCredentials tls, TransportConfig transport,
      int workers, int queue, Duration helloTimeout, Duration shutdownGrace) {
    this(bind, tls, transport, workers, queue, helloTimeout, shutdownGrace,
        DEFAULT_ADMISSION_WORKERS, DEFAULT_CONNECTIONS_PER_PEER, DEFAULT_ADMISSION_TIMEOUT);
  }

  /**
   * Loopback on an ephemeral port, 8 workers, 32 queued, 10 s hello, 30 s grace, 32 admission
   * threads, 16 connections per address, 30 s admission timeout.
   */
  public static ServerConfig loopback(TlsCredentials tls) {
    return new ServerConfig(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), tls,
        TransportConfig.DEFAULT, 8, 32, Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  public ServerConfig withWorkers(int n, int queued) {
    return new ServerConfig(bind, tls, transport, n, queued, helloTimeout, shutdownGrace,
        admissionWorkers, maxConnectionsPerPeer, admissionTimeout);
  }

  public ServerConfig withTransport(TransportConfig t) {
    return new ServerConfig(bind, tls, t, workers, queue, helloTimeout, shutdownGrace,
        admissionWorkers, maxConnectionsPerPeer, admissionTimeout);
  }

  public ServerConfig withTimeouts(Duration hello, Duration grace) {
    return new ServerConfig(bind, tls, transport, workers, queue, hello, grace, admissionWorkers,
        maxConnectionsPerPeer, admissionTimeout);
  }

  /** The same with another admission pool size and per-address connection limit. */
  public ServerConfig withAdmission(int admission, int perPeer) {
    return new ServerConfig(bind, tls, transport, workers, queue, helloTimeout, shutdownGrace,
        admission, perPeer, admissionTimeout);
  }

  /** The same with another wait for what authenticates a client after its hello. */
  public ServerConfig withAdmissionTimeout(Duration d) {
    return new ServerConfig(bind, tls, transport, workers, queue, helloTimeout, shutdownGrace,
        admissionWorkers, maxConnectionsPerPeer, d);
  }
}
