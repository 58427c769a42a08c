package dev.oml.core.model;

import dev.oml.core.io.Id32;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The identity of a network's content: SHA-256 over a fixed tag and the model's canonical
 * encoding ({@link ModelFiles#toBytes}: name, shapes, layers, weights, format, input box), so two
 * files that load to the same model have the same hash and any change to a weight changes it.
 * OMLize writes it into the owner's key share; the HE service checks at start-up that the model
 * it serves in the clear is the one the share was made from. Public data.
 */
public final class ModelContentHash extends Id32 {
  /** Length in bytes. */
  public static final int BYTES = Id32.BYTES;
  private static final byte[] TAG = "OML model content v1\0".getBytes(StandardCharsets.US_ASCII);

  private ModelContentHash(byte[] bytes) {
    super(bytes, "a model content hash");
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
    return new ModelContentHash(bytes);
  }

  /** The first 8 bytes in hex: enough to tell two networks apart in a message. */
  @Override
  public String toString() {
    return shortHex();
  }
}
