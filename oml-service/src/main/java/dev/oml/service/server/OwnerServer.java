package dev.oml.service.server;

import dev.oml.core.OmlException;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.service.transport.FramedChannel;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLServerSocket;

/**
 * The owner's network service: a TLS listener, a bounded pool of workers, and a table of named
 * {@link OwnerService}s. Each connection opens with one message naming the service (the
 * {@linkplain #HELLO_PREFIX hello}); the named service then runs the session. Overload is refused
 * ("server busy") rather than queued without bound; a client that never names its service is
 * dropped after the hello timeout; {@link #close()} stops accepting, lets running sessions finish
 * within the grace period, then aborts the rest. Logs (JDK {@link System.Logger}, name
 * {@code dev.oml.server}) are one line per event with session id, peer, service and counts: no
 * keys, shares, inputs or outputs.
 */
public final class OwnerServer implements AutoCloseable {
  /** What a client's first message starts with, followed by the service name (UTF-8). */
  public static final String HELLO_PREFIX = "OML-SERVICE/1 ";
  private static final int MAX_NAME = 64;
  private static final System.Logger LOG = System.getLogger("dev.oml.server");

  private final ServerConfig config;
  private final Map<String, OwnerService> services;
  private final ServerSocket listener;
  private final ThreadPoolExecutor workers;
  private final Thread acceptor;
  private final Set<FramedChannel> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong sessions = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile boolean closing;

  private OwnerServer(ServerConfig config, List<OwnerService> list) throws IOException {
    this.config = config;
    Map<String, OwnerService> m = new HashMap<>();
    for (OwnerService s : list) {
      if (!s.name().matches("[a-z0-9-]{1," + MAX_NAME + "}")) {
        throw new IllegalArgumentException("service name '" + s.name() + "' is not [a-z0-9-]{1,64}");
      }
      if (m.put(s.name(), s) != null) {
        throw new IllegalArgumentException("two services named " + s.name());
      }
    }
    this.services = Map.copyOf(m);
    SSLServerSocket ss = (SSLServerSocket) config.tls().serverContext().getServerSocketFactory()
        .createServerSocket();
    ss.setReuseAddress(true);
    ss.bind(config.bind(), 64);
    this.listener = ss;
    this.workers = new ThreadPoolExecutor(config.workers(), config.workers(), 30, TimeUnit.SECONDS,
        config.queue() == 0 ? new java.util.concurrent.SynchronousQueue<>()
            : new ArrayBlockingQueue<>(config.queue()),
        r -> {
          Thread t = new Thread(r, "oml-owner-worker");
          t.setDaemon(true);
          return t;
        });
    this.acceptor = new Thread(this::acceptLoop, "oml-owner-acceptor");
    this.acceptor.setDaemon(true);
  }

  /**
   * Binds and starts serving.
   *
   * @throws OmlException if the address cannot be bound
   */
  public static OwnerServer start(ServerConfig config, List<OwnerService> services) {
    try {
      OwnerServer s = new OwnerServer(config, services);
      s.acceptor.start();
      LOG.log(Level.INFO, "owner server listening on {0}, services {1}", s.address(),
          s.services.keySet());
      return s;
    } catch (IOException e) {
      throw new OmlException("cannot listen on " + config.bind() + ": " + e.getMessage(), e);
    }
  }

  /** The bound address (with the actual port when 0 was asked for). */
  public InetSocketAddress address() {
    return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
  }

  /** Sessions started, finished cleanly, failed, and connections refused for overload. */
  public record Stats(long sessions, long completed, long failed, long refused, int active) {}

  public Stats stats() {
    return new Stats(sessions.get(), completed.get(), failed.get(), refused.get(), open.size());
  }

  private void acceptLoop() {
    while (!closing) {
      Socket s;
      try {
        s = listener.accept();
      } catch (SocketException e) {
        if (closing) {
          return;
        }
        LOG.log(Level.WARNING, "accept failed: {0}", e.getMessage());
        continue;
      } catch (IOException e) {
        LOG.log(Level.WARNING, "accept failed: {0}", e.getMessage());
        continue;
      }
      long id = sessions.incrementAndGet();
      try {
        workers.execute(() -> session(id, s));
      } catch (RejectedExecutionException e) {
        refused.incrementAndGet();
        LOG.log(Level.WARNING, "session {0}: refused, server busy", id);
        try {
          s.close();
        } catch (IOException ignored) {
          // the connection is dropped either way
        }
      }
    }
  }

  private void session(long id, Socket socket) {
    String peer = String.valueOf(socket.getRemoteSocketAddress());
    FramedChannel ch;
    try {
      ch = FramedChannel.over(socket, config.transport());
    } catch (ProtocolAbortException e) {
      failed.incrementAndGet();
      LOG.log(Level.INFO, "session {0} from {1}: handshake failed: {2}", id, peer, e.getMessage());
      return;
    }
    open.add(ch);
    String service = "?";
    try {
      if (closing) {
        ch.abort(ErrorCode.reasonFor(new ServerBusyException("server shutting down")));
        return;
      }
      byte[] hello = ch.receive(config.helloTimeout());
      service = serviceName(hello);
      OwnerService svc = services.get(service);
      if (svc == null) {
        // Service names are generic ("permit", "2pc-inference", ...): naming the hosted ones
        // tells a client what to fix (an owner started without --he-model) and reveals no model.
        ch.abort(ErrorCode.reasonFor(new UnknownServiceException("this server does not host the service '"
            + service + "'; it hosts " + String.join(", ", new java.util.TreeSet<>(services.keySet())))));
        failed.incrementAndGet();
        LOG.log(Level.INFO, "session {0} from {1}: unknown service", id, peer);
        return;
      }
      svc.serve(ch, new OwnerService.SessionInfo(id, peer));
      completed.incrementAndGet();
      LOG.log(Level.INFO, "session {0} from {1}: {2} done, {3} B in, {4} B out, {5} rounds", id, peer,
          service, ch.bytesReceived(), ch.bytesSent(), ch.roundsSent());
    } catch (OmlException e) {
      failed.incrementAndGet();
      // The error's code tells the client what happened (PermissionReplayedException, ...), so
      // it can raise the same type; messages of this library's exceptions name no secret.
      ch.abort(ErrorCode.reasonFor(e));
      LOG.log(Level.INFO, "session {0} from {1}: {2} failed: {3}: {4}", id, peer, service,
          e.getClass().getSimpleName(), e.getMessage());
    } catch (RuntimeException e) {
      failed.incrementAndGet();
      ch.abort(ErrorCode.reasonFor(e)); // "internal error": no message of a foreign exception
      LOG.log(Level.ERROR, "session " + id + " from " + peer + ": " + service + " crashed", e);
    } finally {
      ch.close();
      open.remove(ch);
    }
  }

  private static String serviceName(byte[] hello) {
    String s = new String(hello, StandardCharsets.UTF_8);
    if (!s.startsWith(HELLO_PREFIX) || hello.length > HELLO_PREFIX.length() + MAX_NAME) {
      throw new ProtocolAbortException("the first message is not a service hello");
    }
    return s.substring(HELLO_PREFIX.length());
  }

  /** The hello a client sends to open {@code service}. */
  public static byte[] hello(String service) {
    return (HELLO_PREFIX + service).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Stops accepting, waits up to the grace period for running sessions, then aborts those left
   * and stops the workers. Idempotent.
   */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // nothing more can be accepted either way
    }
    workers.shutdown();
    try {
      if (!workers.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        for (FramedChannel ch : open) {
          ch.abort(ErrorCode.reasonFor(new ServerBusyException("server shutting down")));
        }
        workers.shutdownNow();
        workers.awaitTermination(5, TimeUnit.SECONDS);
      }
      acceptor.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.log(Level.INFO, "owner server stopped: {0}", stats());
  }
}
