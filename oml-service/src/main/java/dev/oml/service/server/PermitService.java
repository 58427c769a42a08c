package dev.oml.service.server;

import dev.oml.core.permission.PermissionException;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.core.OmlException;
import dev.oml.service.transport.AbortReason;
import dev.oml.service.transport.PeerAbortedException;
import java.util.Arrays;

/**
 * The owner's permit desk, service {@code "permit"}: a licensee sends signed {@link
 * PermitRequest}s, one per message, and gets back either a signed {@link PermissionToken}
 * ({@code 0x00 || token}) or a refusal ({@code 0x01 ||} an {@link AbortReason}: the
 * {@link ErrorCode} of the issuer's exception and its message) when the owner's policy says no.
 * The issuer checks the request's signature, so nobody can spend a licensee's quota in its name;
 * issuing spends nothing (the ledger charges when a permission is used).
 */
public final class PermitService implements OwnerService {
  /** The service name. */
  public static final String NAME = "permit";
  static final byte GRANTED = 0;
  static final byte REFUSED = 1;
  /** Requests served on one connection at most. */
  public static final int MAX_REQUESTS_PER_SESSION = 1024;

  private final PermissionIssuer issuer;

  public PermitService(PermissionIssuer issuer) {
    this.issuer = issuer;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void serve(Channel channel, SessionInfo session) {
    admit(channel, session).serve();
  }

  /**
   * Reads the first request (a request is {@link PermitRequest#BYTES} long; a larger message
   * ends the session), so a connection that sends nothing never takes a worker; the worker then
   * answers it and the requests that follow. Issuing checks each request's signature.
   */
  @Override
  public Admitted admit(Channel channel, SessionInfo session) {
    byte[] first = channel.receive(MAX_REQUEST_BYTES);
    return () -> answerAll(channel, first);
  }

  /** A request is {@link PermitRequest#BYTES}; a little slack keeps a wrong one a typed refusal. */
  private static final int MAX_REQUEST_BYTES = 4 * PermitRequest.BYTES;

  private void answerAll(Channel channel, byte[] first) {
    byte[] msg = first;
    for (int i = 0; i < MAX_REQUESTS_PER_SESSION; i++) {
      if (i > 0) {
        try {
          msg = channel.receive(MAX_REQUEST_BYTES);
        } catch (ProtocolAbortException e) {
          return; // the client is done (closed) or gone
        }
      }
      byte[] reply;
      try {
        PermissionToken token = issuer.issue(PermitRequest.decode(msg));
        byte[] t = token.encode();
        reply = new byte[t.length + 1];
        reply[0] = GRANTED;
        System.arraycopy(t, 0, reply, 1, t.length);
      } catch (PermissionException e) {
        // the refusal's code lets the licensee raise the issuer's own exception type
        byte[] why = ErrorCode.reasonFor(e).encode();
        reply = new byte[why.length + 1];
        reply[0] = REFUSED;
        System.arraycopy(why, 0, reply, 1, why.length);
      }
      channel.send(reply);
    }
  }

  /**
   * Client side: sends {@code request} and returns the owner's permission.
   *
   * @throws PermissionException the issuer's own refusal, raised again with its type and message
   *     ({@link dev.oml.core.permission.PolicyViolationException}, {@link
   *     dev.oml.core.permission.UnknownLicenseeException}, ...; see {@link ErrorCode})
   * @throws PermitRefusedException if the owner refused with a code this side does not know
   * @throws ProtocolAbortException if the reply is malformed or the connection fails
   */
  public static PermissionToken request(Channel channel, PermitRequest request) {
    channel.send(request.encode());
    byte[] reply;
    try {
      reply = channel.receive();
    } catch (PeerAbortedException e) {
      throw ErrorCode.toException(e);
    }
    if (reply.length == 0) {
      throw new ProtocolAbortException("empty permit reply");
    }
    if (reply[0] == GRANTED) {
      try {
        return PermissionToken.decode(Arrays.copyOfRange(reply, 1, reply.length));
      } catch (PermissionException e) {
        throw new ProtocolAbortException("the owner's permit reply is malformed: " + e.getMessage());
      }
    }
    if (reply[0] == REFUSED) {
      AbortReason why = AbortReason.decode(Arrays.copyOfRange(reply, 1, reply.length));
      OmlException e = ErrorCode.toException(why);
      throw e != null ? e : new PermitRefusedException(why.message());
    }
    throw new ProtocolAbortException("unknown permit reply type " + reply[0]);
  }
}
