package dev.oml.core.omlize;

import dev.oml.core.io.Envelope;
import dev.oml.core.io.FileFormatException.Reason;
import java.nio.file.Path;

/**
 * A licensee's artifact of either format version: version 2 ({@link FieldArtifact}, over
 * {@code F_p} with MAC tags), which the two-party mode runs, or version 1 ({@link
 * LicenseeArtifact}, over {@code Z_2^l}), which only names a model for the HE mode (models with
 * square activations, which have no two-party rule). What the facades and the CLI read when they
 * do not know a file's version in advance.
 */
public sealed interface OmlArtifact permits FieldArtifact, LicenseeArtifact {
  /** The model id the owner's permissions name. */
  ModelId modelId();

  /** The format-independent part of the manifest: architecture, keys, tensors. */
  ArtifactManifest description();

  /** The file's format version (1 or 2). */
  int formatVersion();

  /** Writes the artifact atomically. */
  void write(Path file);

  /**
   * Reads an artifact file of either version.
   *
   * @throws ArtifactFormatException if the file is missing, not an artifact, of an unknown
   *     version, truncated, corrupted, or its model id does not match its content
   */
  static OmlArtifact read(Path file) {
    String what = "artifact " + file;
    return decode(Envelope.readFile(file, what, ArtifactFormatException::new), what);
  }

  /** Decodes an artifact of either version; {@code what} names the source in messages. */
  static OmlArtifact decode(byte[] bytes, String what) {
    return FieldCodecs.version(bytes, LicenseeArtifact.MAGIC) == FieldManifest.FORMAT_VERSION
        ? FieldArtifact.decode(bytes, what) : LicenseeArtifact.decode(bytes, what);
  }

  /**
   * This artifact as a version-2 one, for the two-party mode.
   *
   * @throws ArtifactFormatException if it is a version-1 artifact: the two-party mode needs
   *     version 2, so the owner must OMLize the model again
   */
  default FieldArtifact requireVersion2() {
    if (this instanceof FieldArtifact a) {
      return a;
    }
    throw new ArtifactFormatException(Reason.UNSUPPORTED_VERSION, "the artifact of model "
        + modelId() + " is format version 1, which the two-party mode no longer runs (it did not"
        + " hold against a licensee who modifies its client); ask the owner to OMLize the model"
        + " again (format version 2)");
  }
}
