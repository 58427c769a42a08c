package dev.oml.core.io;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A public 32-byte identifier (a key id, a model id, a content hash): immutable, compared by
 * value within its own kind (a key id never equals a model id with the same bytes), shown in hex.
 * Subclasses add how the bytes are made and how they print.
 */
public abstract class Id32 {
  /** Length in bytes. */
  public static final int BYTES = 32;

  private final byte[] bytes;

  /**
   * Takes a copy of {@code bytes}.
   *
   * @param what the kind, for the message, for example {@code "a model id"}
   * @throws IllegalArgumentException if not 32 bytes
   */
  protected Id32(byte[] bytes, String what) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException(what + " has " + BYTES + " bytes, got " + bytes.length);
    }
    this.bytes = bytes.clone();
  }

  /** A copy of the 32 bytes. */
  public final byte[] bytes() {
    return bytes.clone();
  }

  /** Lower-case hex of all 32 bytes. */
  public final String hex() {
    return HexFormat.of().formatHex(bytes);
  }

  /** The first 16 hex digits (8 bytes): enough to tell two apart in a log or a message. */
  protected final String shortHex() {
    return hex().substring(0, 16);
  }

  @Override
  public final boolean equals(Object o) {
    return o != null && o.getClass() == getClass() && Arrays.equals(((Id32) o).bytes, bytes);
  }

  @Override
  public final int hashCode() {
    return Arrays.hashCode(bytes);
  }
}
