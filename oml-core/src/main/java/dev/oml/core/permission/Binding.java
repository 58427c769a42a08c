package dev.oml.core.permission;

import dev.oml.core.keys.TaggedHash;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What a permission is bound to: a tagged SHA-256 of the exact bytes of the first message of the
 * query (or prepared bundle) that the owner will parse. The owner recomputes it from the bytes
 * it received, so a permission cannot be moved to another query, and the licensee cannot change
 * its query after the permission was issued.
 */
public final class Binding {
  /** Length in bytes. */
  public static final int BYTES = 32;
  private static final String TAG = "oml/binding/v1";

  private final byte[] bytes;

  private Binding(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The binding of a first message. */
  public static Binding ofFirstMessage(byte[] firstMessage) {
    return new Binding(TaggedHash.of(TAG, firstMessage));
  }

  /**
   * The binding of a first message read from {@code firstMessage}'s position to its limit (the
   * buffer's position is left unchanged): the same value as {@link #ofFirstMessage(byte[])} of
   * those bytes, without copying them.
   */
  public static Binding ofFirstMessage(java.nio.ByteBuffer firstMessage) {
    return new Binding(TaggedHash.of(TAG, firstMessage));
  }

  /**
   * A binding from its 32 bytes (as carried in claims).
   *
   * @throws IllegalArgumentException if not 32 bytes
   */
  public static Binding of(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("a binding has " + BYTES + " bytes, got " + bytes.length);
    }
    return new Binding(bytes.clone());
  }

  /** A copy of the 32 bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  byte[] view() {
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Binding b && Arrays.equals(b.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "Binding(" + HexFormat.of().formatHex(bytes, 0, 8) + ")";
  }
}
