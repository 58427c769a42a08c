package dev.oml.core.omlize;

import dev.oml.core.io.Envelope;
import dev.oml.core.keys.KeyId;
import dev.oml.core.keys.SecretAccess;
import java.nio.file.Path;

/**
 * The owner's key share of either format version: version 2 ({@link FieldKeyShare}), which the
 * two-party service runs and the HE service uses for the model id, or version 1 ({@link
 * OwnerKeyShare}), which the HE service alone uses (models without a two-party rule). What an
 * owner directory holds.
 */
public sealed interface OmlKeyShare permits FieldKeyShare, OwnerKeyShare {
  /** The model id of the artifact this key share completes. */
  ModelId modelId();

  /** The format-independent part of the manifest: architecture, keys, tensors. */
  ArtifactManifest description();

  /** The key id of the licensee this share was made for. */
  default KeyId licensee() {
    return description().licenseeKey().keyId();
  }

  /** The file's format version (1 or 2). */
  int formatVersion();

  /** Writes the key share atomically, owner-readable only. */
  void write(Path file, SecretAccess access);

  /**
   * Reads a key share file of either version.
   *
   * @throws ArtifactFormatException if the file is missing, not a key share, of an unknown
   *     version, truncated or corrupted
   */
  static OmlKeyShare read(Path file, SecretAccess access) {
    String what = "key share " + file;
    return decode(Envelope.readFile(file, what, ArtifactFormatException::new), what, access);
  }

  /** Decodes a key share of either version; {@code what} names the source in messages. */
  static OmlKeyShare decode(byte[] bytes, String what, SecretAccess access) {
    return FieldCodecs.version(bytes, OwnerKeyShare.MAGIC) == FieldManifest.FORMAT_VERSION
        ? FieldKeyShare.decode(bytes, what, access) : OwnerKeyShare.decode(bytes, what, access);
  }
}
