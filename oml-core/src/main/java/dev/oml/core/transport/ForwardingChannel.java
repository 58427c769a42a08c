package dev.oml.core.transport;

import java.util.Objects;

/**
 * A channel that passes every call to another one: the base for wrappers that watch or change a
 * few calls (measure the largest message, fail on the n-th send in a fault test) and must forward
 * the rest unchanged, including {@link #receive(int)}, so the inner channel's own bound check
 * (framed TCP refuses from the header) is kept.
 */
public abstract class ForwardingChannel implements Channel {
  private final Channel inner;

  protected ForwardingChannel(Channel inner) {
    this.inner = Objects.requireNonNull(inner, "inner");
  }

  /** The wrapped channel. */
  protected final Channel inner() {
    return inner;
  }

  @Override
  public void send(byte[] message) {
    inner.send(message);
  }

  @Override
  public byte[] receive() {
    return inner.receive();
  }

  @Override
  public byte[] receive(int maxBytes) {
    return inner.receive(maxBytes);
  }

  @Override
  public long bytesSent() {
    return inner.bytesSent();
  }

  @Override
  public long bytesReceived() {
    return inner.bytesReceived();
  }

  @Override
  public long roundsSent() {
    return inner.roundsSent();
  }

  @Override
  public long messagesSent() {
    return inner.messagesSent();
  }

  @Override
  public void close() {
    inner.close();
  }
}
