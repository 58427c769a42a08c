package dev.oml.service.server;

import dev.oml.core.transport.Channel;

/**
 * One named service of the owner server (permits, 2PC inference, HE inference). The server
 * accepts a connection, reads the service name the client asks for, runs the service's {@link
 * #admit} step on its small admission pool (waiting at most the admission timeout), and hands
 * what that step returns to a worker thread. A service runs the protocol's local steps over the
 * channel and returns when the session ends; a {@link dev.oml.core.OmlException} it throws
 * ends the session (the server tells the client why and logs the message, which by this
 * library's rule names no secret).
 */
public interface OwnerService {
  /** The name clients ask for: lower-case letters, digits and dashes. */
  String name();

  /** Serves one session; the server closes the channel afterwards. */
  void serve(Channel channel, SessionInfo session);

  /**
   * The opening of a session, run before a worker is committed to it: it reads and checks what
   * shows that the client may use the service (a permitted query, a signed session request, a
   * first request) and does no costly work, so connections that never authenticate occupy only
   * the admission pool and its deadlines, never the workers that authenticated sessions need.
   * It returns the rest of the session, which the server runs on a worker. The default reads
   * nothing and leaves the whole session to {@link #serve}.
   */
  default Admitted admit(Channel channel, SessionInfo session) {
    return () -> serve(channel, session);
  }

  /** The rest of a session that {@link #admit} let through; runs on a worker. */
  @FunctionalInterface
  interface Admitted {
    void serve();
  }

  /** What a service may know about its session: an id for logs and the peer's address. */
  record SessionInfo(long id, String peer) {}
}
