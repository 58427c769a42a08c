package dev.oml.service.transport;

import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A {@link Channel} over a TCP connection (TLS when given an {@link SSLContext}), with
 * length-prefixed frames: a 4-byte big-endian payload length, a 1-byte frame type, the payload.
 * Frame types are {@code DATA} (a protocol message), {@code CLOSE} (an orderly goodbye) and
 * {@code ABORT} (the peer gave up; an {@link AbortReason} follows: error code and message, which
 * {@link #receive()} raises as a {@link PeerAbortedException}). The length is checked against
 * {@link TransportConfig#maxFrameBytes()} before anything is allocated, an unknown type is a
 * protocol error, and a peer that stays silent past the idle timeout, or stalls inside a frame
 * past the read timeout, makes {@link #receive()} throw {@link ProtocolAbortException}. Any
 * receive error closes the connection: a framed stream cannot resynchronise.
 */
public final class FramedChannel implements Channel {
  static final int DATA = 1;
  static final int CLOSE = 2;
  static final int ABORT = 3;

  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private final TransportConfig config;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong bytesReceived = new AtomicLong();
  private final AtomicLong rounds = new AtomicLong();
  private final AtomicLong messages = new AtomicLong();
  private boolean lastWasSend;
  private volatile boolean peerGone;

  private FramedChannel(Socket socket, TransportConfig config) throws IOException {
    this.socket = socket;
    this.config = config;
    socket.setTcpNoDelay(true);
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
    this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
  }

  /**
   * Wraps an accepted or connected socket. For TLS sockets the handshake runs here, bounded by
   * the read timeout.
   *
   * @throws ProtocolAbortException if the handshake fails or times out
   */
  public static FramedChannel over(Socket socket, TransportConfig config) {
    Objects.requireNonNull(config, "config");
    try {
      if (socket instanceof SSLSocket ssl) {
        socket.setSoTimeout((int) config.readTimeout().toMillis());
        ssl.startHandshake();
      }
      return new FramedChannel(socket, config);
    } catch (IOException e) {
      closeQuietly(socket);
      throw new ProtocolAbortException("connection setup failed: " + e.getMessage(), e);
    }
  }

  /**
   * Connects to {@code address}; with a non-null {@code tls} context the connection is TLS and
   * the server must present a certificate the context trusts.
   *
   * @throws ProtocolAbortException if the connection or the TLS handshake fails
   */
  public static FramedChannel connect(InetSocketAddress address, SSLContext tls, TransportConfig config) {
    Socket s = null;
    try {
      s = new Socket();
      s.connect(address, (int) config.connectTimeout().toMillis());
      if (tls != null) {
        s = tls.getSocketFactory().createSocket(s, address.getHostString(), address.getPort(), true);
      }
    } catch (IOException e) {
      closeQuietly(s);
      throw new ProtocolAbortException("cannot connect to " + address + ": " + e.getMessage(), e);
    }
    try {
      return over(s, config);
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

  @Override
  public byte[] receive() {
    return receive(config.idleTimeout());
  }

  /**
   * Receives the next message, waiting at most {@code idle} for it to start (a server uses a
   * short wait for a client's first message, so a silent client cannot hold a worker).
   *
   * @throws ProtocolAbortException as {@link #receive()}
   */
  public byte[] receive(java.time.Duration idle) {
    requireOpen("receive");
    try {
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, idle.toMillis())));
      int length;
      try {
        length = in.readInt();
      } catch (SocketTimeoutException e) {
        tellPeer("timed out waiting for a message");
        throw abort("the peer sent nothing within " + idle + "; giving up", e);
      }
      socket.setSoTimeout((int) config.readTimeout().toMillis());
      int type = in.readUnsignedByte();
      if (length < 0 || length > config.maxFrameBytes()) {
        throw abort("frame of " + Integer.toUnsignedString(length) + " bytes exceeds the limit of "
            + config.maxFrameBytes(), null);
      }
      switch (type) {
        case DATA -> {
          byte[] m = new byte[length];
          in.readFully(m);
          bytesReceived.addAndGet(length);
          lastWasSend = false;
          return m;
        }
        case CLOSE -> {
          peerGone = true;
          throw abort("the peer closed the channel", null);
        }
        case ABORT -> {
          byte[] reason = new byte[Math.min(length, AbortReason.MAX_BYTES)];
          in.readFully(reason);
          peerGone = true;
          abort("", null);
          throw new PeerAbortedException(AbortReason.decode(reason));
        }
        default -> throw abort("unknown frame type " + type, null);
      }
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
        writeFrame(ABORT, reason.getBytes(StandardCharsets.UTF_8));
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
