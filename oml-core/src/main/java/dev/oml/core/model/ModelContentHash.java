package dev.oml.core.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The identity of a network's content: SHA-256 over a fixed tag and the model's canonical
 * encoding ({@link ModelFiles#toBytes}: name, shapes, layers, weights, format, input box), so two
 * files that load to the same model have the same hash and any change to a weight changes it.
 * OMLize writes it into the owner's key share; the HE service checks at start-up that the model
 * it serves in the clear is the one the share was made from. Public data.
 */
public final class ModelContentHash {
  /** Length in bytes. */
  public static final int BYTES = 32;
  private static final byte[] TAG = "OML model content v1\0".getBytes(StandardCharsets.US_ASCII);

  private final byte[] bytes;

  private ModelContentHash(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The content hash of {@code model}. */
  public static ModelContentHash of(Model model) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(TAG);
      d.update(ModelFiles.toBytes(model));
      return new ModelContentHash(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /**
   * A hash from its 32 bytes (as stored in a key share).
   *
   * @throws IllegalArgumentException if not 32 bytes
   */
  public static ModelContentHash ofBytes(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("a model content hash has " + BYTES + " bytes, got "
          + bytes.length);
    }
    return new ModelContentHash(bytes.clone());
  }

  /** A copy of the 32 bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Lower-case hex. */
  public String hex() {
    return HexFormat.of().formatHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelContentHash h && Arrays.equals(h.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** The first 8 bytes in hex: enough to tell two networks apart in a message. */
  @Override
  public String toString() {
    return hex().substring(0, 16);
  }
}
