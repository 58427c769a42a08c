package dev.oml.core.keys;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The identity of an Ed25519 public key: a tagged SHA-256 of its 32-byte encoding. Permissions,
 * ledgers and artifacts name licensees by key id, so a licensee is exactly "whoever holds the
 * private key of this public key". Public data: equality and hashing are ordinary.
 */
public final class KeyId {
  /** Length in bytes. */
  public static final int BYTES = 32;
  private static final String TAG = "oml/key-id/v1";

  private final byte[] bytes;

  private KeyId(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The key id of an encoded Ed25519 public key. */
  static KeyId ofPublicKey(byte[] encodedPublicKey) {
    return new KeyId(TaggedHash.of(TAG, encodedPublicKey));
  }

  /**
   * A key id from its 32 bytes (as carried in claims and files).
   *
   * @throws IllegalArgumentException if not 32 bytes
   */
  public static KeyId of(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("a key id has " + BYTES + " bytes, got " + bytes.length);
    }
    return new KeyId(bytes.clone());
  }

  /** A copy of the 32 bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Lower-case hex of all 32 bytes. */
  public String hex() {
    return HexFormat.of().formatHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyId k && Arrays.equals(k.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** The first 16 hex digits, enough to tell keys apart in logs. */
  @Override
  public String toString() {
    return "KeyId(" + hex().substring(0, 16) + ")";
  }
}
