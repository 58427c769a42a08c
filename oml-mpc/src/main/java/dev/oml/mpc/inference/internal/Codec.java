package dev.oml.mpc.inference.internal;

import dev.oml.core.transport.ProtocolAbortException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The byte layout of the two-party inference messages: a one-byte type, then fields in order,
 * little-endian: {@code u8}, {@code u32}, ring vectors of known length (8 bytes per entry) and
 * length-prefixed blobs ({@code u32} length, then the bytes). The reader checks every length
 * against what the protocol expects and that nothing trails, so a short, long or foreign message
 * aborts with a {@link ProtocolAbortException} naming the step, never the content.
 */
public final class Codec {
  private Codec() {}

  /** Appends fields to a message. */
  public static final class Writer {
    private final ByteArrayOutputStream out;
    private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

    public Writer(int type, int sizeHint) {
      out = new ByteArrayOutputStream(Math.max(16, sizeHint));
      out.write(type);
    }

    public Writer u8(int v) {
      out.write(v);
      return this;
    }

    public Writer u32(int v) {
      scratch.clear();
      scratch.putInt(v);
      out.write(scratch.array(), 0, 4);
      return this;
    }

    public Writer bytes(byte[] b) {
      out.write(b, 0, b.length);
      return this;
    }

    public Writer blob(byte[] b) {
      u32(b.length);
      return bytes(b);
    }

    public Writer ring(long[] v) {
      byte[] b = new byte[8 * v.length];
      ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(v);
      return bytes(b);
    }

    public byte[] toByteArray() {
      return out.toByteArray();
    }
  }

  /** Reads fields of one message; every read is bounds-checked. */
  public static final class Reader {
    private final ByteBuffer in;
    private final String step;

    /**
     * @throws ProtocolAbortException if the message is empty or not of {@code type}
     */
    public Reader(byte[] message, int type, String step) {
      this.step = step;
      if (message == null || message.length == 0) {
        throw new ProtocolAbortException(step + ": empty message");
      }
      if ((message[0] & 0xff) != type) {
        throw new ProtocolAbortException(step + ": unexpected message type " + (message[0] & 0xff)
            + " (expected " + type + "); messages are out of order or from another protocol");
      }
      in = ByteBuffer.wrap(message, 1, message.length - 1).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private void need(int n) {
      if (n < 0 || in.remaining() < n) {
        throw new ProtocolAbortException(step + ": message is too short");
      }
    }

    public int u8() {
      need(1);
      return in.get() & 0xff;
    }

    /** A {@code u8} that must equal {@code expected}. */
    public int u8(int expected, String what) {
      int v = u8();
      if (v != expected) {
        throw new ProtocolAbortException(step + ": " + what + " is " + v + ", expected " + expected);
      }
      return v;
    }

    public int u32() {
      need(4);
      return in.getInt();
    }

    /** A {@code u32} that must equal {@code expected}. */
    public int u32(int expected, String what) {
      int v = u32();
      if (v != expected) {
        throw new ProtocolAbortException(step + ": " + what + " is " + Integer.toUnsignedString(v)
            + ", expected " + expected);
      }
      return v;
    }

    public byte[] bytes(int n) {
      need(n);
      byte[] b = new byte[n];
      in.get(b);
      return b;
    }

    /** A length-prefixed blob of at most {@code max} bytes. */
    public byte[] blob(int max) {
      int n = u32();
      if (n < 0 || n > max) {
        throw new ProtocolAbortException(step + ": a field of " + Integer.toUnsignedString(n)
            + " bytes exceeds the limit of " + max);
      }
      return bytes(n);
    }

    /** {@code n} ring elements, each of which must be below {@code 2^ringBits}. */
    public long[] ring(int n, int ringBits) {
      if (n > in.remaining() / 8) {
        throw new ProtocolAbortException(step + ": message is too short");
      }
      long[] v = new long[n];
      in.asLongBuffer().get(v);
      in.position(in.position() + 8 * n);
      for (long x : v) {
        if ((x >>> ringBits) != 0) {
          throw new ProtocolAbortException(step + ": a ring element is not below 2^" + ringBits);
        }
      }
      return v;
    }

    /** Position in the message (after the type byte), for signatures over a prefix. */
    public int position() {
      return in.position();
    }

    /** @throws ProtocolAbortException if bytes are left over */
    public void end() {
      if (in.remaining() != 0) {
        throw new ProtocolAbortException(step + ": " + in.remaining()
            + " unexpected bytes at the end of the message");
      }
    }
  }
}
