package dev.oml.service.server;

import dev.oml.core.transport.Channel;

/**
 * One named service of the owner server (permits, 2PC inference, HE inference). The server
 * accepts a connection, reads the service name the client asks for, and hands the channel to the
 * service's {@link #serve} on a worker thread. A service runs the protocol's local steps over
 * the channel and returns when the session ends; a {@link dev.oml.core.OmlException} it throws
 * ends the session (the server tells the client why and logs the message, which by this
 * library's rule names no secret).
 */
public interface OwnerService {
  /** The name clients ask for: lower-case letters, digits and dashes. */
  String name();

  /** Serves one session; the server closes the channel afterwards. */
  void serve(Channel channel, SessionInfo session);

  /** What a service may know about its session: an id for logs and the peer's address. */
  record SessionInfo(long id, String peer) {}
}
