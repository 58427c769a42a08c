package dev.oml.core.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.Function;

/**
 * Reads what a {@link ByteWriter} wrote, in the same byte order, and checks every length against
 * what is left before it allocates, so a hostile count cannot make a reader allocate its claim.
 * A read past the end throws the exception the format chose (built from a message naming what
 * was being read), never a {@link java.nio.BufferUnderflowException}.
 */
public final class ByteReader {
  private final ByteBuffer in;
  private final Function<String, ? extends RuntimeException> truncated;

  private ByteReader(ByteBuffer in, Function<String, ? extends RuntimeException> truncated) {
    this.in = in;
    this.truncated = Objects.requireNonNull(truncated, "truncated");
  }

  /**
   * A reader over {@code bytes[offset, offset + length)} in {@code order}.
   *
   * @param truncated builds the format's exception from a message such as "truncated while
   *     reading layer 3 weights"
   */
  public static ByteReader of(byte[] bytes, int offset, int length, ByteOrder order,
      Function<String, ? extends RuntimeException> truncated) {
    return new ByteReader(ByteBuffer.wrap(bytes, offset, length).slice().order(order), truncated);
  }

  /** A reader over all of {@code bytes} in {@code order}. */
  public static ByteReader of(byte[] bytes, ByteOrder order,
      Function<String, ? extends RuntimeException> truncated) {
    return of(bytes, 0, bytes.length, order, truncated);
  }

  /** Bytes not read yet. */
  public int remaining() {
    return in.remaining();
  }

  /** Bytes read so far. */
  public int position() {
    return in.position();
  }

  private void need(long n, String what) {
    if (n < 0 || n > in.remaining()) {
      throw truncated.apply("truncated while reading " + what);
    }
  }

  /** An unsigned byte. */
  public int u8(String what) {
    need(1, what);
    return Byte.toUnsignedInt(in.get());
  }

  /** An unsigned 16-bit integer. */
  public int u16(String what) {
    need(2, what);
    return Short.toUnsignedInt(in.getShort());
  }

  /** A 32-bit integer (callers that need it unsigned use {@link Integer#toUnsignedLong}). */
  public int u32(String what) {
    need(4, what);
    return in.getInt();
  }

  /** A 64-bit integer. */
  public long u64(String what) {
    need(8, what);
    return in.getLong();
  }

  /** The next {@code n} bytes. */
  public byte[] bytes(int n, String what) {
    need(n, what);
    byte[] b = new byte[n];
    in.get(b);
    return b;
  }

  /** The next {@code n} float64 values (not checked for finiteness: that is the format's rule). */
  public double[] f64s(long n, String what) {
    if (n < 0 || n > in.remaining() / 8) {
      throw truncated.apply("truncated while reading " + what);
    }
    double[] v = new double[(int) n];
    for (int i = 0; i < v.length; i++) {
      v[i] = Double.longBitsToDouble(in.getLong());
    }
    return v;
  }
}
