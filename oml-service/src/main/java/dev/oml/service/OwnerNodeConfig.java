package dev.oml.service;

import dev.oml.core.model.Model;
import dev.oml.he.HeBackend;
import dev.oml.service.modes.HeServedModel;
import dev.oml.service.transport.TransportConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How an {@link OwnerNode} runs: the owner directory (keys, TLS identity, policy, key shares,
 * ledger; see {@link dev.oml.service.server.OwnerHome}), where it listens, its worker pool, the
 * transport limits and timeouts, and the models it serves in the HE mode (in the clear, matched
 * by name to a key share) with the HE backend and the calibration inputs that bound the HE noise
 * estimate. Immutable; the builder checks everything at {@link Builder#build()}.
 */
public final class OwnerNodeConfig {
  /** The port {@code oml serve} listens on by default. */
  public static final int DEFAULT_PORT = 7443;

  private final Path ownerDir;
  private final InetSocketAddress bind;
  private final int workers;
  private final int queue;
  private final TransportConfig transport;
  private final Duration helloTimeout;
  private final Duration shutdownGrace;
  private final List<HeServedModel> heModels;
  private final HeBackend heBackend;
  private final double[][] calibration;

  private OwnerNodeConfig(Builder b, InetSocketAddress bind) {
    this.ownerDir = b.ownerDir;
    this.bind = bind;
    this.workers = b.workers;
    this.queue = b.queue < 0 ? 4 * b.workers : b.queue;
    this.transport = b.transport;
    this.helloTimeout = b.helloTimeout;
    this.shutdownGrace = b.shutdownGrace;
    this.heModels = List.copyOf(b.heModels);
    this.heBackend = b.heBackend;
    this.calibration = b.calibration == null ? null : deepCopy(b.calibration);
  }

  /** A builder for the owner directory {@code ownerDir} (made by {@code oml owner-init}). */
  public static Builder builder(Path ownerDir) {
    return new Builder(ownerDir);
  }

  public Path ownerDir() {
    return ownerDir;
  }

  public InetSocketAddress bind() {
    return bind;
  }

  public int workers() {
    return workers;
  }

  /** Accepted connections that may wait for a worker; beyond them the server answers "busy". */
  public int queue() {
    return queue;
  }

  public TransportConfig transport() {
    return transport;
  }

  public Duration helloTimeout() {
    return helloTimeout;
  }

  public Duration shutdownGrace() {
    return shutdownGrace;
  }

  public List<HeServedModel> heModels() {
    return heModels;
  }

  /** The HE backend, if one was chosen (else SEAL where it loads, or pure Java). */
  public Optional<HeBackend> heBackend() {
    return Optional.ofNullable(heBackend);
  }

  /** A copy of the calibration inputs, if any were given. */
  public Optional<double[][]> calibration() {
    return Optional.ofNullable(calibration).map(OwnerNodeConfig::deepCopy);
  }

  private static double[][] deepCopy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  /**
   * Collects the settings; defaults: loopback, port {@value OwnerNodeConfig#DEFAULT_PORT}, 8
   * workers with 4 queued connections per worker, {@link TransportConfig#DEFAULT}, 10 s for a
   * client to name its service, 30 s of grace at shutdown, no HE model.
   */
  public static final class Builder {
    private final Path ownerDir;
    private String host = InetAddress.getLoopbackAddress().getHostAddress();
    private int port = DEFAULT_PORT;
    private int workers = 8;
    private int queue = -1;
    private TransportConfig transport = TransportConfig.DEFAULT;
    private Duration helloTimeout = Duration.ofSeconds(10);
    private Duration shutdownGrace = Duration.ofSeconds(30);
    private final List<HeServedModel> heModels = new ArrayList<>();
    private HeBackend heBackend;
    private double[][] calibration;

    private Builder(Path ownerDir) {
      this.ownerDir = ownerDir;
    }

    /** The address to listen on (a host name or an IP literal; default loopback). */
    public Builder host(String h) {
      this.host = h;
      return this;
    }

    /** The port (0: any free port, see {@link OwnerNode#address()}). */
    public Builder port(int p) {
      this.port = p;
      return this;
    }

    /** Worker threads, and connections that may wait for one (default 4 per worker). */
    public Builder workers(int n, int queued) {
      this.workers = n;
      this.queue = queued;
      return this;
    }

    /** Worker threads, with 4 waiting connections per worker. */
    public Builder workers(int n) {
      return workers(n, 4 * n);
    }

    public Builder transport(TransportConfig t) {
      this.transport = t;
      return this;
    }

    /** How long a client may take to name its service, and how long shutdown waits for sessions. */
    public Builder timeouts(Duration hello, Duration grace) {
      this.helloTimeout = hello;
      this.shutdownGrace = grace;
      return this;
    }

    /**
     * Serves {@code model} in the HE mode too, with the default plan ({@link
     * HeServedModel#of}). The HE service must hold the weights in the clear; every key share in
     * the owner directory made from this network (same content hash) is served, each under its
     * own model id. Call once per network.
     */
    public Builder heModel(Model model) {
      return heModel(HeServedModel.of(Objects.requireNonNull(model, "model")));
    }

    /** Serves a network in the HE mode with the plan the owner set for it. */
    public Builder heModel(HeServedModel model) {
      this.heModels.add(Objects.requireNonNull(model, "model"));
      return this;
    }

    public Builder heBackend(HeBackend backend) {
      this.heBackend = backend;
      return this;
    }

    /** Typical inputs whose plaintext activations bound the HE noise estimate (optional). */
    public Builder calibration(double[][] inputs) {
      this.calibration = inputs;
      return this;
    }

    /**
     * Checks the settings.
     *
     * @throws InvalidConfigException if a setting is missing or out of range, or the host does
     *     not resolve
     */
    public OwnerNodeConfig build() {
      if (ownerDir == null) {
        throw new InvalidConfigException("the owner directory is required");
      }
      if (port < 0 || port > 65535) {
        throw new InvalidConfigException("port must be in 0..65535, got " + port);
      }
      if (workers < 1 || workers > 1024) {
        throw new InvalidConfigException("workers must be in 1..1024, got " + workers);
      }
      if (queue < -1 || queue > 1 << 16) {
        throw new InvalidConfigException("queued connections must be in 0..65536, got " + queue);
      }
      if (transport == null) {
        throw new InvalidConfigException("transport must not be null");
      }
      for (Duration d : new Duration[] {helloTimeout, shutdownGrace}) {
        if (d == null || d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
          throw new InvalidConfigException("timeouts must be positive and below 2^31 ms, got " + d);
        }
      }
      java.util.Set<dev.oml.core.model.ModelContentHash> networks = new java.util.HashSet<>();
      for (HeServedModel m : heModels) {
        if (!networks.add(m.contentHash())) {
          throw new InvalidConfigException("the HE model '" + m.model().name() + "' is given"
              + " twice; give each network once, with its plan options");
        }
      }
      if (calibration != null) {
        for (double[] x : calibration) {
          if (x == null) {
            throw new InvalidConfigException("a calibration input is missing");
          }
          for (HeServedModel m : heModels) {
            int n = m.model().inputShape().size();
            if (x.length != n) {
              throw new InvalidConfigException("every calibration input must have the HE model '"
                  + m.model().name() + "' (" + n + " values), got " + x.length);
            }
          }
        }
      }
      InetSocketAddress address = new InetSocketAddress(host == null ? "" : host, port);
      if (host == null || address.isUnresolved()) {
        throw new InvalidConfigException("cannot resolve the bind address '" + host + "'");
      }
      return new OwnerNodeConfig(this, address);
    }
  }
}
