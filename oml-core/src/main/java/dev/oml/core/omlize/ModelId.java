package dev.oml.core.omlize;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The identity of one licensee's OMLized model: a tagged SHA-256 over the artifact's manifest and
 * every share, computed last, so it names exactly these bytes (and, through the manifest's salt
 * and licensee key, this licensee's copy). Permissions carry it; the owner finds the key share
 * for a session by it. Public data.
 */
public final class ModelId {
  /** Length in bytes. */
  public static final int BYTES = 32;

  private final byte[] bytes;

  private ModelId(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * A model id from its 32 bytes.
   *
   * @throws IllegalArgumentException if not 32 bytes
   */
  public static ModelId of(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("a model id has " + BYTES + " bytes, got " + bytes.length);
    }
    return new ModelId(bytes.clone());
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
    return o instanceof ModelId m && Arrays.equals(m.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "ModelId(" + hex().substring(0, 16) + ")";
  }
}
