package dev.oml.service.transport;

import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A {@link Channel} over a TCP connection (TLS when given an {@link SSLContext}), with
 * length-prefixed frames: a 4-byte big-endian payload length, a 1-byte frame type, the payload.
 * Frame types are {@code DATA} (a protocol message), {@code CLOSE} (an orderly goodbye) and
 * {@code ABORT} (the peer gave up; an {@link AbortReason} follows: error code and message, which
 * {@link #receive()} raises as a {@link PeerAbortedException}). A hostile or broken peer is bounded
 * in time and memory: the TLS handshake must finish within the
 * {@linkplain TransportConfig#handshakeDeadline() handshake deadline} (a watchdog closes the
 * connection otherwise, since JSSE's reads restart their timeout with every byte); a frame must
 * start within the idle timeout and then arrive whole within the
 * {@linkplain TransportConfig#frameDeadline() frame deadline}, each read waiting at most the
 * smaller of the read timeout and what is left of that deadline; the announced length is checked
 * against {@link TransportConfig#maxFrameBytes()} (and a step's own bound, {@link
 * #receive(int)}) before the body is read, and the body is read into a buffer that grows as
 * bytes arrive, so a peer that announces 128 MiB and sends nothing costs 64 KiB, not 128 MiB.
 * Oversized and unknown frames are answered with an ABORT naming the reason. Any receive error
 * closes the connection: a framed stream cannot resynchronise.
 */
public final class FramedChannel implements Channel {
  static final int DATA = 1;
  static final int CLOSE = 2;
  static final int ABORT = 3;
  /** First buffer of a frame's body; it doubles as bytes arrive, up to the announced length. */
  static final int CHUNK = 1 << 16;

  /**
   * Closes connections whose TLS handshake outlives its deadline. One thread at most, started on
   * demand and ended after a second without work, so an idle library leaves no thread behind.
   */
  private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

  private final Socket socket;
  private final InputStream in;
  private final DataOutputStream out;
  private final TransportConfig config;
  private final boolean enforceDeadlines;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong bytesReceived = new AtomicLong();
  private final AtomicLong rounds = new AtomicLong();
  private final AtomicLong messages = new AtomicLong();
  private boolean lastWasSend;
  private volatile boolean peerGone;
  private volatile Duration idleTimeout;

  private FramedChannel(Socket socket, TransportConfig config, boolean enforceDeadlines)
      throws IOException {
    this.socket = socket;
    this.config = config;
    this.enforceDeadlines = enforceDeadlines;
    this.idleTimeout = config.idleTimeout();
    socket.setTcpNoDelay(true);
    this.in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
  }

  private static ScheduledThreadPoolExecutor watchdog() {
    ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "oml-transport-watchdog");
      t.setDaemon(true);
      return t;
    });
    w.setKeepAliveTime(1, TimeUnit.SECONDS);
    w.allowCoreThreadTimeOut(true);
    w.setRemoveOnCancelPolicy(true);
    return w;
  }

  /**
   * Wraps an accepted or connected socket. For TLS sockets the handshake runs here, bounded by
   * the handshake deadline.
   *
   * @throws ProtocolAbortException if the handshake fails or times out
   */
  public static FramedChannel over(Socket socket, TransportConfig config) {
    return over(socket, config, true);
  }

  /** {@link #over(Socket, TransportConfig)}; tests may turn the deadlines off. */
  static FramedChannel over(Socket socket, TransportConfig config, boolean enforceDeadlines) {
    Objects.requireNonNull(config, "config");
    return setUp(socket, socket, config, enforceDeadlines);
  }

  /**
   * The server side of a TLS connection: runs the handshake over the accepted plain socket
   * {@code raw} as the server of {@code tls}, within the handshake deadline (past it, the
   * watchdog closes {@code raw}, which ends the handshake at once).
   *
   * @throws ProtocolAbortException if the handshake fails or misses its deadline
   */
  public static FramedChannel accept(Socket raw, SSLContext tls, TransportConfig config) {
    return accept(raw, tls, config, true);
  }

  /** {@link #accept(Socket, SSLContext, TransportConfig)}; tests may turn the deadlines off. */
  static FramedChannel accept(Socket raw, SSLContext tls, TransportConfig config,
      boolean enforceDeadlines) {
    Objects.requireNonNull(config, "config");
    SSLSocket ssl;
    try {
      ssl = (SSLSocket) tls.getSocketFactory().createSocket(raw, null, true);
      ssl.setUseClientMode(false);
    } catch (IOException e) {
      closeQuietly(raw);
      throw new ProtocolAbortException("connection setup failed: " + e.getMessage(), e);
    }
    return setUp(ssl, raw, config, enforceDeadlines);
  }

  private static FramedChannel setUp(Socket socket, Socket raw, TransportConfig config,
      boolean enforceDeadlines) {
    AtomicBoolean late = new AtomicBoolean();
    ScheduledFuture<?> dog = null;
    try {
      if (socket instanceof SSLSocket ssl) {
        socket.setSoTimeout(millis(config.readTimeout()));
        if (enforceDeadlines) {
          dog = WATCHDOG.schedule(() -> {
            late.set(true);
            hardClose(raw);
          }, config.handshakeDeadline().toMillis(), TimeUnit.MILLISECONDS);
        }
        ssl.startHandshake();
      }
      return new FramedChannel(socket, config, enforceDeadlines);
    } catch (IOException e) {
      closeQuietly(socket);
      closeQuietly(raw);
      if (late.get()) {
        throw new ProtocolAbortException("the TLS handshake took longer than "
            + config.handshakeDeadline(), e);
      }
      throw new ProtocolAbortException("connection setup failed: " + e.getMessage(), e);
    } finally {
      if (dog != null) {
        dog.cancel(false);
      }
    }
  }

  /**
   * Connects to {@code address}; with a non-null {@code tls} context the connection is TLS and
   * the server must present a certificate the context trusts.
   *
   * @throws ProtocolAbortException if the connection or the TLS handshake fails
   */
  public static FramedChannel connect(InetSocketAddress address, SSLContext tls, TransportConfig config) {
    return connect(address, null, tls, config);
  }

  /**
   * Like {@link #connect(InetSocketAddress, SSLContext, TransportConfig)}, from the local address
   * {@code from} (null: any), so a client with several addresses chooses which one the server
   * sees.
   */
  public static FramedChannel connect(InetSocketAddress address, InetAddress from, SSLContext tls,
      TransportConfig config) {
    Socket raw = null;
    Socket s;
    try {
      raw = new Socket();
      if (from != null) {
        raw.bind(new InetSocketAddress(from, 0));
      }
      raw.connect(address, millis(config.connectTimeout()));
      s = tls == null ? raw
          : tls.getSocketFactory().createSocket(raw, address.getHostString(), address.getPort(), true);
    } catch (IOException e) {
      closeQuietly(raw);
      throw new ProtocolAbortException("cannot connect to " + address + ": " + e.getMessage(), e);
    }
    try {
      return setUp(s, raw, config, true);
    } catch (ProtocolAbortException e) {
      if (tls != null && untrustedCertificate(e)) {
        // The JDK's text ("PKIX path building failed: ...") says nothing a user can act on.
        throw new ProtocolAbortException("the server at " + address + " did not present the trusted "
            + "(pinned) certificate: check that it is the owner's certificate and the right address", e);
      }
      throw e;
    }
  }

  /** True if the TLS handshake failed because the server's certificate is not the trusted one. */
  private static boolean untrustedCertificate(Throwable e) {
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof java.security.cert.CertificateException
          || c instanceof java.security.cert.CertPathValidatorException
          || c instanceof java.security.cert.CertPathBuilderException) {
        return true;
      }
    }
    return false;
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }

  @Override
  public void send(byte[] message) {
    Objects.requireNonNull(message, "message");
    if (message.length > config.maxFrameBytes()) {
      throw new ProtocolAbortException("message of " + message.length
          + " bytes exceeds the frame limit of " + config.maxFrameBytes());
    }
    requireOpen("send");
    writeFrame(DATA, message);
    bytesSent.addAndGet(message.length);
    messages.incrementAndGet();
    if (!lastWasSend) {
      rounds.incrementAndGet();
      lastWasSend = true;
    }
  }

  private void writeFrame(int type, byte[] payload) {
    try {
      synchronized (out) {
        out.writeInt(payload.length);
        out.writeByte(type);
        out.write(payload);
        out.flush();
      }
    } catch (IOException e) {
      peerGone = true;
      closeQuietly(socket);
      throw new ProtocolAbortException("the peer hung up while sending: " + e.getMessage(), e);
    }
  }

  /**
   * Sets how long {@link #receive()} waits for a message to start. The owner server shortens it
   * while a client has not yet shown who it is, then restores the configured one.
   */
  public void idleTimeout(Duration idle) {
    Objects.requireNonNull(idle, "idle");
    this.idleTimeout = idle;
  }

  @Override
  public byte[] receive() {
    return receive(idleTimeout, config.maxFrameBytes());
  }

  @Override
  public byte[] receive(int maxBytes) {
    return receive(idleTimeout, maxBytes);
  }

  /**
   * Receives the next message, waiting at most {@code idle} for it to start (a server uses a
   * short wait for a client's first message, so a silent client cannot hold a worker).
   *
   * @throws ProtocolAbortException as {@link #receive()}
   */
  public byte[] receive(Duration idle) {
    return receive(idle, config.maxFrameBytes());
  }

  /** Signals a frame that outlived its deadline; caught in {@link #receive(Duration, int)}. */
  private static final class FrameDeadlineException extends IOException {
    private static final long serialVersionUID = 1L;
  }

  private byte[] receive(Duration idle, int maxBytes) {
    requireOpen("receive");
    int limit = Math.min(Math.max(0, maxBytes), config.maxFrameBytes());
    try {
      socket.setSoTimeout(millis(idle));
      int first;
      try {
        first = in.read();
      } catch (SocketTimeoutException e) {
        tellPeer("timed out waiting for a message");
        throw abort("the peer sent nothing within " + idle + "; giving up", e);
      }
      if (first < 0) {
        throw new EOFException();
      }
      // The frame has started: from here on its whole must arrive within the frame deadline.
      long deadline = System.nanoTime() + config.frameDeadline().toNanos();
      byte[] header = new byte[5];
      header[0] = (byte) first;
      readFully(header, 1, 4, deadline);
      int length = ((header[0] & 0xff) << 24) | ((header[1] & 0xff) << 16)
          | ((header[2] & 0xff) << 8) | (header[3] & 0xff);
      int type = header[4] & 0xff;
      switch (type) {
        case DATA -> {
          if (length < 0 || length > limit) {
            String why = "frame of " + Integer.toUnsignedString(length)
                + " bytes exceeds the limit of " + limit;
            tellPeer(why);
            throw abort(why, null);
          }
          byte[] m = readBody(length, deadline);
          bytesReceived.addAndGet(length);
          lastWasSend = false;
          return m;
        }
        case CLOSE -> {
          peerGone = true;
          throw abort("the peer closed the channel", null);
        }
        case ABORT -> {
          byte[] reason = new byte[Math.min(Math.max(0, length), AbortReason.MAX_BYTES)];
          readFully(reason, 0, reason.length, deadline);
          peerGone = true;
          abort("", null);
          throw new PeerAbortedException(AbortReason.decode(reason));
        }
        default -> {
          tellPeer("unknown frame type " + type);
          throw abort("unknown frame type " + type, null);
        }
      }
    } catch (FrameDeadlineException e) {
      tellPeer("a frame took too long");
      throw abort("a frame took longer than the frame deadline of " + config.frameDeadline(), e);
    } catch (SocketTimeoutException e) {
      tellPeer("timed out inside a frame");
      throw abort("a frame stalled for more than " + config.readTimeout(), e);
    } catch (EOFException e) {
      peerGone = true;
      throw abort("the peer hung up", e);
    } catch (IOException e) {
      peerGone = true;
      throw abort("connection failed: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a body of {@code length} bytes into a buffer that starts at {@link #CHUNK} bytes and
   * doubles as bytes arrive: the memory a peer claims is at most about twice what it has sent.
   */
  private byte[] readBody(int length, long deadline) throws IOException {
    byte[] buf = new byte[Math.min(length, CHUNK)];
    int have = 0;
    while (have < length) {
      if (have == buf.length) {
        buf = Arrays.copyOf(buf, (int) Math.min(length, 2L * buf.length));
      }
      have += readSome(buf, have, buf.length - have, deadline);
    }
    return buf;
  }

  private void readFully(byte[] b, int off, int len, long deadline) throws IOException {
    int done = 0;
    while (done < len) {
      done += readSome(b, off + done, len - done, deadline);
    }
  }

  /**
   * One read of at least one byte, waiting at most the read timeout and, when deadlines are
   * enforced, at most what is left of the frame's deadline.
   */
  private int readSome(byte[] b, int off, int len, long deadline) throws IOException {
    long wait = config.readTimeout().toMillis();
    boolean cappedByDeadline = false;
    if (enforceDeadlines) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new FrameDeadlineException();
      }
      cappedByDeadline = left < wait;
      wait = Math.min(wait, left);
    }
    socket.setSoTimeout((int) Math.max(1, wait));
    int n;
    try {
      n = in.read(b, off, len);
    } catch (SocketTimeoutException e) {
      if (cappedByDeadline) {
        throw new FrameDeadlineException();
      }
      throw e;
    }
    if (n < 0) {
      throw new EOFException();
    }
    return n;
  }

  /** Tells the peer why this side gives up, then closes. Never throws. */
  public void abort(String reason) {
    abort(AbortReason.plain(reason));
  }

  /**
   * Tells the peer why this side gives up, with an error code the peer can turn back into the
   * same exception type (its receive throws {@link PeerAbortedException}), then closes. Never
   * throws.
   */
  public void abort(AbortReason reason) {
    if (closed.compareAndSet(false, true)) {
      try {
        if (!peerGone) {
          writeFrame(ABORT, reason.encode());
        }
      } catch (ProtocolAbortException ignored) {
        // the peer is gone already; nothing to tell
      } finally {
        closeQuietly(socket);
      }
    }
  }

  /** Best effort: tells a still-connected peer why this side gives up. */
  private void tellPeer(String reason) {
    if (!peerGone && !closed.get()) {
      try {
        writeFrame(ABORT, AbortReason.plain(reason).encode());
      } catch (ProtocolAbortException ignored) {
        // the peer is gone; nothing to tell
      }
    }
  }

  private ProtocolAbortException abort(String message, Throwable cause) {
    closed.set(true);
    closeQuietly(socket);
    return cause == null ? new ProtocolAbortException(message) : new ProtocolAbortException(message, cause);
  }

  private void requireOpen(String op) {
    if (closed.get()) {
      throw new ProtocolAbortException("cannot " + op + ": this channel is closed");
    }
  }

  /** The peer's address. */
  public InetSocketAddress remoteAddress() {
    return (InetSocketAddress) socket.getRemoteSocketAddress();
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

  /** Sends an orderly goodbye (if the peer is still there) and closes. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        if (!peerGone) {
          writeFrame(CLOSE, new byte[0]);
        }
      } catch (ProtocolAbortException ignored) {
        // the peer is gone already
      } finally {
        closeQuietly(socket);
      }
    }
  }

  /** Closes without the TLS goodbye: for a watchdog that must not wait on a stuck handshake. */
  private static void hardClose(Socket raw) {
    try {
      raw.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // already closed
    }
    try {
      raw.close();
    } catch (IOException ignored) {
      // the socket is unusable either way
    }
  }

  private static void closeQuietly(Socket s) {
    if (s != null) {
      try {
        // JSSE's close drains the peer's input until its close_notify or the read timeout;
        // a short timeout keeps a silent or stuck peer from holding the closing thread.
        s.setSoTimeout(50);
      } catch (IOException ignored) {
        // already closed
      }
      try {
        s.close();
      } catch (IOException ignored) {
        // closing is best effort; the socket is unusable either way
      }
    }
  }
}
