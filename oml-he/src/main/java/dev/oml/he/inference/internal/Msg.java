package dev.oml.he.inference.internal;

import dev.oml.he.inference.MalformedQueryException;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Little-endian message writing and bounds-checked reading for the HE mode's messages; every
 * read failure becomes a {@link MalformedQueryException} naming the message and the field.
 */
public final class Msg {
  private Msg() {}

  public static byte[] sha256(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (byte[] p : parts) {
        md.update(p);
      }
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** SHA-256 of {@code b} from its position to its limit; the position is left unchanged. */
  public static byte[] sha256(ByteBuffer b) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(b.duplicate());
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Writer. */
  public static final class Out {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteBuffer b8 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

    public Out magic(String m) {
      out.writeBytes(m.getBytes(StandardCharsets.US_ASCII));
      return this;
    }

    public Out i32(int v) {
      b8.clear();
      b8.putInt(v);
      out.write(b8.array(), 0, 4);
      return this;
    }

    public Out i64(long v) {
      b8.clear();
      b8.putLong(v);
      out.write(b8.array(), 0, 8);
      return this;
    }

    public Out f64(double v) {
      return i64(Double.doubleToLongBits(v));
    }

    public Out raw(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    /** Length-prefixed bytes. */
    public Out block(byte[] b) {
      i32(b.length);
      return raw(b);
    }

    public byte[] bytes() {
      return out.toByteArray();
    }
  }

  /** Reader over one message. */
  public static final class In {
    private final ByteBuffer b;
    private final String what;

    public In(byte[] bytes, String what) {
      this(ByteBuffer.wrap(bytes), what);
    }

    /** A reader of {@code bytes} from its position to its limit (reads a duplicate). */
    public In(ByteBuffer bytes, String what) {
      this.b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      this.what = what;
    }

    private MalformedQueryException bad(String field) {
      return new MalformedQueryException(what + ": truncated or malformed at " + field);
    }

    public void magic(String m) {
      byte[] want = m.getBytes(StandardCharsets.US_ASCII);
      byte[] got = raw(want.length, "magic");
      if (!Arrays.equals(want, got)) {
        throw new MalformedQueryException(what + ": not a " + what + " (wrong magic or version)");
      }
    }

    public int i32(String field) {
      try {
        return b.getInt();
      } catch (BufferUnderflowException e) {
        throw bad(field);
      }
    }

    public long i64(String field) {
      try {
        return b.getLong();
      } catch (BufferUnderflowException e) {
        throw bad(field);
      }
    }

    public double f64(String field) {
      return Double.longBitsToDouble(i64(field));
    }

    public byte[] raw(int n, String field) {
      if (n < 0 || n > b.remaining()) {
        throw bad(field);
      }
      byte[] r = new byte[n];
      b.get(r);
      return r;
    }

    /** Length-prefixed bytes of at most {@code max}. */
    public byte[] block(String field, int max) {
      int n = i32(field + " length");
      if (n < 0 || n > max) {
        throw new MalformedQueryException(what + ": " + field + " of " + n
            + " bytes, at most " + max + " allowed");
      }
      return raw(n, field);
    }

    public void end() {
      if (b.hasRemaining()) {
        throw new MalformedQueryException(what + ": " + b.remaining() + " trailing bytes");
      }
    }
  }
}
