package dev.oml.core.omlize;

import dev.oml.core.io.Id32;

/**
 * The identity of one licensee's OMLized model: a tagged SHA-256 over the artifact's manifest and
 * every share, computed last, so it names exactly these bytes (and, through the manifest's salt
 * and licensee key, this licensee's copy). Permissions carry it; the owner finds the key share
 * for a session by it. Public data.
 */
public final class ModelId extends Id32 {
  /** Length in bytes. */
  public static final int BYTES = Id32.BYTES;

  private ModelId(byte[] bytes) {
    super(bytes, "a model id");
  }

  /**
   * A model id from its 32 bytes.
   *
   * @throws IllegalArgumentException if not 32 bytes
   */
  public static ModelId of(byte[] bytes) {
    return new ModelId(bytes);
  }

  @Override
  public String toString() {
    return "ModelId(" + shortHex() + ")";
  }
}
