package dev.oml.service.server;

import dev.oml.core.OmlException;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.service.transport.FramedChannel;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * The owner's network service: a TLS listener, a small admission pool, a bounded pool of
 * workers, and a table of named {@link OwnerService}s. Each connection opens with one message
 * naming the service (the {@linkplain #HELLO_PREFIX hello}), then the service's {@linkplain
 * OwnerService#admit admission step} checks who the client is; the TLS handshake, the hello and
 * that step run on the admission pool, each bounded by a deadline (handshake deadline, hello
 * timeout, admission timeout, frame deadline), and only an admitted session takes a worker. So
 * connections that never authenticate (silent, trickling, garbage) can fill at most the
 * admission pool, and one remote address at most {@link ServerConfig#maxConnectionsPerPeer()}
 * of it; see {@link ServerConfig} for why. Overload is refused ("server busy") rather than queued without bound;
 * {@link #close()} stops accepting, lets running sessions finish within the grace period, then
 * aborts the rest. Any {@link Throwable} of a session (an {@link OutOfMemoryError} included) is
 * caught, logged with its type, and the thread returned to its pool; the acceptor survives any
 * failure, backing off briefly when failures repeat. A session whose client declines what the
 * service offered ({@link SessionDeclinedException}) is counted and logged as declined, with the
 * service's message, not as failed. Logs (JDK {@link System.Logger}, name
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
  private final SSLContext tls;
  private final ThreadPoolExecutor admission;
  private final ThreadPoolExecutor workers;
  private final Thread acceptor;
  private final Set<FramedChannel> open = ConcurrentHashMap.newKeySet();
  private final Set<Socket> handshaking = ConcurrentHashMap.newKeySet();
  private final Set<FramedChannel> admitting = ConcurrentHashMap.newKeySet();
  private final Map<InetAddress, Integer> perPeer = new HashMap<>();
  private final AtomicLong sessions = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong declined = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile boolean closing;
  /** Test-only: accepted connections on which the acceptor is made to fail with an Error. */
  private final AtomicInteger injectedAcceptFailures = new AtomicInteger();

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
    this.tls = config.tls().serverContext();
    // A plain listener: TLS is layered on each accepted socket inside the admission pool, so the
    // per-address limit is checked before any TLS work and the handshake watchdog can close the
    // plain socket under a stuck handshake.
    ServerSocket ss = new ServerSocket();
    ss.setReuseAddress(true);
    ss.bind(config.bind(), 64);
    this.listener = ss;
    this.admission = new ThreadPoolExecutor(config.admissionWorkers(), config.admissionWorkers(),
        30, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(),
        named("oml-owner-admission"));
    this.admission.allowCoreThreadTimeOut(true);
    this.workers = new ThreadPoolExecutor(config.workers(), config.workers(), 30, TimeUnit.SECONDS,
        config.queue() == 0 ? new java.util.concurrent.SynchronousQueue<>()
            : new ArrayBlockingQueue<>(config.queue()),
        named("oml-owner-worker"));
    this.acceptor = new Thread(this::acceptLoop, "oml-owner-acceptor");
    this.acceptor.setDaemon(true);
  }

  private static java.util.concurrent.ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
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

  /**
   * Sessions started, finished cleanly, failed, connections refused for overload or the
   * per-address limit, open channels, and sessions whose client declined what the service
   * offered ({@link SessionDeclinedException}).
   */
  public record Stats(long sessions, long completed, long failed, long refused, int active,
      long declined) {}

  public Stats stats() {
    return new Stats(sessions.get(), completed.get(), failed.get(), refused.get(), open.size(),
        declined.get());
  }

  private void acceptLoop() {
    int failures = 0;
    while (!closing) {
      try {
        Socket s = listener.accept();
        if (injectedAcceptFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          hardClose(s);
          throw new OutOfMemoryError("injected by a test");
        }
        failures = 0;
        dispatch(s);
      } catch (Throwable e) {
        if (closing) {
          return;
        }
        failures++;
        LOG.log(Level.WARNING, "accept failed ({0}): {1}", e.getClass().getSimpleName(),
            e.getMessage());
        if (failures > 1) {
          // repeated failures (out of file descriptors, out of memory): back off, never stop
          try {
            Thread.sleep(Math.min(1000, 10L << Math.min(failures, 7)));
          } catch (InterruptedException ie) {
            if (closing) {
              return;
            }
          }
        }
      }
    }
  }

  /** Test-only: makes the acceptor fail with an {@link Error} on the next {@code n} connections. */
  void failNextAcceptsForTesting(int n) {
    injectedAcceptFailures.set(n);
  }

  private void dispatch(Socket s) {
    long id = sessions.incrementAndGet();
    InetAddress peer = s.getInetAddress();
    if (!claimPeerSlot(peer)) {
      refused.incrementAndGet();
      LOG.log(Level.INFO, "session {0} from {1}: refused, {2} connections from this address",
          id, peer, config.maxConnectionsPerPeer());
      hardClose(s);
      return;
    }
    try {
      admission.execute(() -> admit(id, s, peer));
    } catch (RejectedExecutionException e) {
      releasePeerSlot(peer);
      refused.incrementAndGet();
      LOG.log(Level.WARNING, "session {0} from {1}: refused, server busy", id, peer);
      hardClose(s);
    }
  }

  private boolean claimPeerSlot(InetAddress peer) {
    synchronized (perPeer) {
      int n = perPeer.getOrDefault(peer, 0);
      if (n >= config.maxConnectionsPerPeer()) {
        return false;
      }
      perPeer.put(peer, n + 1);
      return true;
    }
  }

  private void releasePeerSlot(InetAddress peer) {
    synchronized (perPeer) {
      perPeer.computeIfPresent(peer, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  /**
   * On the admission pool: handshake, hello and the service's admission step, then hands the
   * session to a worker. The connection's per-address slot is held until the session ends.
   */
  private void admit(long id, Socket socket, InetAddress address) {
    boolean handedOver = false;
    try {
      handedOver = admitAndHandOver(id, socket, address);
    } finally {
      if (!handedOver) {
        releasePeerSlot(address);
      }
    }
  }

  /** True if a worker took the session (and with it the connection's per-address slot). */
  private boolean admitAndHandOver(long id, Socket socket, InetAddress address) {
    String peer = String.valueOf(socket.getRemoteSocketAddress());
    FramedChannel ch;
    handshaking.add(socket);
    try {
      ch = FramedChannel.accept(socket, tls, config.transport());
    } catch (Throwable e) {
      failed.incrementAndGet();
      LOG.log(Level.INFO, "session {0} from {1}: handshake failed: {2}", id, peer, e.getMessage());
      hardClose(socket);
      return false;
    } finally {
      handshaking.remove(socket);
    }
    open.add(ch);
    admitting.add(ch);
    String service = "?";
    boolean handedOver = false;
    try {
      if (closing) {
        ch.abort(ErrorCode.reasonFor(new ServerBusyException("server shutting down")));
        return false;
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
        return false;
      }
      ch.idleTimeout(config.admissionTimeout());
      OwnerService.Admitted rest = svc.admit(ch, new OwnerService.SessionInfo(id, peer));
      ch.idleTimeout(config.transport().idleTimeout());
      String name = service;
      try {
        workers.execute(() -> {
          try {
            serve(id, peer, name, ch, rest);
          } finally {
            releasePeerSlot(address);
          }
        });
        handedOver = true;
      } catch (RejectedExecutionException e) {
        refused.incrementAndGet();
        ch.abort(ErrorCode.reasonFor(new ServerBusyException("server busy")));
        LOG.log(Level.WARNING, "session {0} from {1}: {2} refused, server busy", id, peer, name);
      }
    } catch (Throwable e) {
      fail(id, peer, service, ch, e);
    } finally {
      admitting.remove(ch);
      if (!handedOver) {
        ch.close();
        open.remove(ch);
      }
    }
    return handedOver;
  }

  /** On a worker: the rest of an admitted session. */
  private void serve(long id, String peer, String service, FramedChannel ch,
      OwnerService.Admitted rest) {
    try {
      rest.serve();
      completed.incrementAndGet();
      LOG.log(Level.INFO, "session {0} from {1}: {2} done, {3} B in, {4} B out, {5} rounds", id, peer,
          service, ch.bytesReceived(), ch.bytesSent(), ch.roundsSent());
    } catch (SessionDeclinedException e) {
      // the client's own choice, not a failure of either side: nothing to tell it
      declined.incrementAndGet();
      LOG.log(Level.INFO, "session {0} from {1}: {2} declined: {3}", id, peer, service,
          e.getMessage());
    } catch (Throwable e) {
      fail(id, peer, service, ch, e);
    } finally {
      ch.close();
      open.remove(ch);
    }
  }

  /** The failure path of a session: tells the client why, logs the error's type. Never throws. */
  private void fail(long id, String peer, String service, FramedChannel ch, Throwable t) {
    failed.incrementAndGet();
    try {
      if (t instanceof OmlException e) {
        // The error's code tells the client what happened (PermissionReplayedException, ...), so
        // it can raise the same type; messages of this library's exceptions name no secret.
        ch.abort(ErrorCode.reasonFor(e));
        LOG.log(Level.INFO, "session {0} from {1}: {2} failed: {3}: {4}", id, peer, service,
            e.getClass().getSimpleName(), e.getMessage());
      } else if (t instanceof RuntimeException e) {
        ch.abort(ErrorCode.reasonFor(e)); // "internal error": no message of a foreign exception
        LOG.log(Level.ERROR, "session " + id + " from " + peer + ": " + service + " crashed", e);
      } else {
        // An Error (out of memory, stack overflow): only its type is logged, since building a
        // stack trace may need the memory that just ran out.
        ch.abort(ErrorCode.reasonFor(t));
        LOG.log(Level.ERROR, "session {0} from {1}: {2} crashed: {3}", id, peer, service,
            t.getClass().getName());
      }
    } catch (Throwable ignored) {
      // reporting is best effort; the worker must return to its pool
    }
  }

  private static void hardClose(Socket s) {
    try {
      s.setSoLinger(true, 0);
      s.close();
    } catch (IOException ignored) {
      // the connection is dropped either way
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
    admission.shutdown();
    workers.shutdown();
    // connections not yet admitted run no session: end them now rather than after the grace
    for (Socket sk : handshaking) {
      hardClose(sk);
    }
    for (FramedChannel ch : admitting) {
      ch.abort(ErrorCode.reasonFor(new ServerBusyException("server shutting down")));
    }
    try {
      if (!workers.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        for (FramedChannel ch : open) {
          ch.abort(ErrorCode.reasonFor(new ServerBusyException("server shutting down")));
        }
        workers.shutdownNow();
        workers.awaitTermination(5, TimeUnit.SECONDS);
      }
      if (!admission.awaitTermination(5, TimeUnit.SECONDS)) {
        for (FramedChannel ch : open) {
          ch.abort(ErrorCode.reasonFor(new ServerBusyException("server shutting down")));
        }
        admission.shutdownNow();
        admission.awaitTermination(5, TimeUnit.SECONDS);
      }
      acceptor.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.log(Level.INFO, "owner server stopped: {0}", stats());
  }
}
