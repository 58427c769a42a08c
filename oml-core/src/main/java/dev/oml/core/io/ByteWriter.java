package dev.oml.core.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The one writer behind this library's binary encodings: fixed-width integers, raw bytes and
 * float64 vectors in one byte order, appended to a growing buffer. Each format names its order
 * once (model files are little-endian, manifests, permissions and ledger records big-endian), so
 * no field can be written in the other order by accident. {@link ByteReader} reads it back.
 */
public final class ByteWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteBuffer scratch;
  private final ByteOrder order;

  private ByteWriter(ByteOrder order) {
    this.order = order;
    this.scratch = ByteBuffer.allocate(8).order(order);
  }

  /** A writer in big-endian order. */
  public static ByteWriter bigEndian() {
    return new ByteWriter(ByteOrder.BIG_ENDIAN);
  }

  /** A writer in little-endian order. */
  public static ByteWriter littleEndian() {
    return new ByteWriter(ByteOrder.LITTLE_ENDIAN);
  }

  /** This writer's byte order. */
  public ByteOrder order() {
    return order;
  }

  /** Appends the low 8 bits of {@code v}. */
  public ByteWriter u8(int v) {
    out.write(v);
    return this;
  }

  /** Appends the low 16 bits of {@code v}. */
  public ByteWriter u16(int v) {
    scratch.clear();
    scratch.putShort((short) v);
    out.write(scratch.array(), 0, 2);
    return this;
  }

  /** Appends the 32 bits of {@code v}. */
  public ByteWriter u32(int v) {
    scratch.clear();
    scratch.putInt(v);
    out.write(scratch.array(), 0, 4);
    return this;
  }

  /** Appends the 64 bits of {@code v}. */
  public ByteWriter u64(long v) {
    scratch.clear();
    scratch.putLong(v);
    out.write(scratch.array(), 0, 8);
    return this;
  }

  /** Appends {@code b} as it is. */
  public ByteWriter bytes(byte[] b) {
    out.write(b, 0, b.length);
    return this;
  }

  /** Appends each value as its IEEE-754 float64 bits. */
  public ByteWriter f64s(double[] values) {
    for (double v : values) {
      u64(Double.doubleToLongBits(v));
    }
    return this;
  }

  /** Number of bytes written so far. */
  public int size() {
    return out.size();
  }

  /** A copy of everything written. */
  public byte[] toByteArray() {
    return out.toByteArray();
  }
}
