package dev.oml.service;

import dev.oml.core.OmlException;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.he.HeBackends;
import dev.oml.service.modes.ModeServices;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.OwnerService;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.transport.TlsCredentials;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * A running owner: everything an owner directory holds, served over TLS. {@link #start} opens
 * the directory, reads its policy, opens its durable ledger, and starts one owner server with the
 * permit desk (whose issuer sees the ledger's charges, so it refuses what the quota no longer
 * covers), the two-party service for every key share the mode can run, and the HE service for the
 * configured HE model. {@link #close()} stops in the order that loses nothing: the server first
 * (no new sessions; running ones get the grace period), then the ledger.
 */
public final class OwnerNode implements AutoCloseable {
  private final OwnerHome home;
  private final PermissionLedger ledger;
  private final OwnerServer server;
  private final List<String> services;

  private OwnerNode(OwnerHome home, PermissionLedger ledger, OwnerServer server, List<String> services) {
    this.home = home;
    this.ledger = ledger;
    this.server = server;
    this.services = services;
  }

  /**
   * Starts serving the owner directory {@code ownerDir} with the defaults of {@link
   * OwnerNodeConfig} (loopback, port {@value OwnerNodeConfig#DEFAULT_PORT}, two-party only).
   *
   * @throws OmlException if the directory is not an owner directory or the port is taken
   */
  public static OwnerNode start(Path ownerDir) {
    return start(OwnerNodeConfig.builder(ownerDir).build());
  }

  /**
   * Starts serving as {@code config} says.
   *
   * @throws OmlException if the directory is not an owner directory, a file in it is malformed,
   *     an HE model cannot be compiled or matches no key share, or the address cannot be bound;
   *     whatever was opened is closed again
   */
  public static OwnerNode start(OwnerNodeConfig config) {
    OwnerHome home = OwnerHome.open(config.ownerDir());
    PermissionPolicy policy = home.policy(SecretAccess.get());
    PermissionLedger ledger = home.openLedger(policy);
    try {
      List<OwnerService> services = new ArrayList<>();
      services.add(new PermitService(new PermissionIssuer(home.ownerKey(SecretAccess.get()), policy,
          Clock.systemUTC(), new SecureRandom(), ledger::charged,
          licensee -> ledger.aborts(licensee).count())));
      services.addAll(ModeServices.forOwner(home, policy, ledger, config.heModels(),
          config.heModels().isEmpty() ? null : config.heBackend().orElseGet(HeBackends::preferred),
          config.calibration().orElse(null)));
      ServerConfig sc = new ServerConfig(config.bind(), home.tls(), config.transport(),
          config.workers(), config.queue(), config.helloTimeout(), config.shutdownGrace());
      OwnerServer server = OwnerServer.start(sc, services);
      return new OwnerNode(home, ledger, server, services.stream().map(OwnerService::name).toList());
    } catch (RuntimeException e) {
      ledger.close();
      throw e;
    }
  }

  /** The bound address (with the actual port when port 0 was asked for). */
  public InetSocketAddress address() {
    return server.address();
  }

  /** The names of the services this node hosts ({@code permit}, {@code 2pc-inference}, ...). */
  public List<String> services() {
    return services;
  }

  /** The TLS certificate licensees pin. */
  public X509Certificate certificate() {
    return home.tls().certificate();
  }

  /** The certificate file licensees pin ({@code tls-cert.pem} of the owner directory). */
  public Path certificatePem() {
    return home.certificatePem();
  }

  /** SHA-256 fingerprint of the certificate, hex. */
  public String fingerprint() {
    return TlsCredentials.fingerprint(certificate());
  }

  /** Which ledger this node charges (file or PostgreSQL, with its location; no credentials). */
  public String ledgerDescription() {
    return ledger.toString();
  }

  /** Sessions started, finished, failed and refused so far. */
  public OwnerServer.Stats stats() {
    return server.stats();
  }

  /**
   * Stops the server (running sessions get the grace period, then are aborted), then closes the
   * ledger. Idempotent.
   */
  @Override
  public void close() {
    try {
      server.close();
    } finally {
      ledger.close();
    }
  }
}
