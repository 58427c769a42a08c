package dev.oml.core.keys;

import dev.oml.core.io.Id32;

/**
 * The identity of an Ed25519 public key: a tagged SHA-256 of its 32-byte encoding. Permissions,
 * ledgers and artifacts name licensees by key id, so a licensee is exactly "whoever holds the
 * private key of this public key". Public data: equality and hashing are ordinary.
 */
public final class KeyId extends Id32 {
  /** Length in bytes. */
  public static final int BYTES = Id32.BYTES;
  private static final String TAG = "oml/key-id/v1";

  private KeyId(byte[] bytes) {
    super(bytes, "a key id");
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
    return new KeyId(bytes);
  }

  /** The first 16 hex digits, enough to tell keys apart in logs. */
  @Override
  public String toString() {
    return "KeyId(" + shortHex() + ")";
  }
}
