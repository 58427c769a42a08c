package dev.oml.mpc.internal;

/**
 * Builds one protocol message of a size known in advance: a one-byte tag naming the step, then
 * fixed-width fields. Fixed sizes let the reader reject a short or long message before it looks
 * at any field.
 */
public final class MessageWriter {
  private final byte[] buf;
  private int pos;

  public MessageWriter(int tag, int payloadBytes) {
    buf = new byte[1 + payloadBytes];
    buf[0] = (byte) tag;
    pos = 1;
  }

  public MessageWriter putBytes(byte[] b) {
    System.arraycopy(b, 0, buf, pos, b.length);
    pos += b.length;
    return this;
  }

  public MessageWriter putLongs(long[] v, int off, int n) {
    Blocks.toBytes(v, off, buf, pos, n);
    pos += 8 * n;
    return this;
  }

  public MessageWriter putLong(long v) {
    Blocks.putLong(buf, pos, v);
    pos += 8;
    return this;
  }

  /** The finished message; fails if fewer bytes were written than announced. */
  public byte[] toByteArray() {
    if (pos != buf.length) {
      throw new IllegalStateException("message built with " + pos + " of " + buf.length
          + " bytes");
    }
    return buf;
  }
}
