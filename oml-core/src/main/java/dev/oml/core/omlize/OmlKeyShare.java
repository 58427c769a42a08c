package dev.oml.core.omlize;

import dev.oml.core.io.Envelope;
import dev.oml.core.keys.KeyId;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.model.ModelContentHash;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The owner's key share of either format version: version 2 ({@link FieldKeyShare}), which the
 * two-party service runs and the HE service uses for the model id, or version 1 ({@link
 * OwnerKeyShare}), which the HE service alone uses (models without a two-party rule). What an
 * owner directory holds.
 *
 * <p>Files: the envelope's version is the tier's format version (1 or 2) for a share without a
 * model content hash, as written before the hash existed, and that version plus {@value
 * #HASHED_VERSION_OFFSET} (3 or 4) for a share that carries one: the same body followed by the
 * 32-byte {@link ModelContentHash} of the network OMLize was given. Both are read.
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

  /** The tier's format version (1 or 2), with or without a content hash. */
  int formatVersion();

  /** File version of a share with a content hash: the tier's version plus this. */
  int HASHED_VERSION_OFFSET = 2;

  /**
   * The content hash of the network this share was made from (the model given to OMLize), or
   * empty for a share written before shares carried it.
   */
  Optional<ModelContentHash> modelContentHash();

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
    int v = FieldCodecs.version(bytes, OwnerKeyShare.MAGIC);
    return v == FieldManifest.FORMAT_VERSION || v == FieldKeyShare.HASHED_VERSION
        ? FieldKeyShare.decode(bytes, what, access) : OwnerKeyShare.decode(bytes, what, access);
  }
}
