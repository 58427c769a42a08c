package dev.oml.mpc.internal;

import dev.oml.core.transport.ProtocolAbortException;

/**
 * Parses one protocol message written by {@link MessageWriter}: checks the tag (a message for
 * another step is out of order) and the exact length up front, so every later read is in bounds.
 * Errors name the step and the sizes, never the content.
 */
public final class MessageReader {
  private final byte[] buf;
  private final String step;
  private int pos;

  /**
   * @throws ProtocolAbortException if the message is null, has another tag, or is not exactly
   *     {@code 1 + payloadBytes} bytes long
   */
  public MessageReader(byte[] message, int tag, int payloadBytes, String step) {
    this.step = step;
    if (message == null || message.length == 0) {
      throw new ProtocolAbortException(step + ": empty message");
    }
    if (message[0] != (byte) tag) {
      throw new ProtocolAbortException(step + ": unexpected message type " + (message[0] & 0xff)
          + " (expected " + tag + "); messages are out of order or from another protocol");
    }
    if (message.length != 1 + payloadBytes) {
      throw new ProtocolAbortException(step + ": message has " + (message.length - 1)
          + " payload bytes, expected " + payloadBytes);
    }
    this.buf = message;
    this.pos = 1;
  }

  public byte[] getBytes(int n) {
    byte[] b = new byte[n];
    System.arraycopy(buf, pos, b, 0, n);
    pos += n;
    return b;
  }

  public void getLongs(long[] dst, int off, int n) {
    Blocks.fromBytes(buf, pos, dst, off, n);
    pos += 8 * n;
  }

  public long getLong() {
    long v = Blocks.getLong(buf, pos);
    pos += 8;
    return v;
  }

  /** The step name, for error messages of field-level checks. */
  public String step() {
    return step;
  }
}
