package dev.oml.service.transport;

import dev.oml.core.transport.ProtocolAbortException;
import java.util.Objects;

/**
 * The peer of a {@link FramedChannel} gave up and said why in an abort frame. It is a {@link
 * ProtocolAbortException} (the session is dead either way), and it keeps the peer's {@link
 * AbortReason}, so a client can raise the peer's own exception type again (see {@code
 * dev.oml.service.server.ErrorCode#toException}).
 */
public final class PeerAbortedException extends ProtocolAbortException {
  private static final long serialVersionUID = 1L;
  private final transient AbortReason reason;

  public PeerAbortedException(AbortReason reason) {
    super("the peer aborted: " + Objects.requireNonNull(reason, "reason").message());
    this.reason = reason;
  }

  /** What the peer said. */
  public AbortReason reason() {
    return reason;
  }
}
