package dev.oml.core.omlize;

import dev.oml.core.io.AtomicFiles;
import dev.oml.core.io.Envelope;
import dev.oml.core.io.FileFormatException.Reason;
import dev.oml.core.keys.TaggedHash;
import dev.oml.core.reference.FieldQuantizedModel;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;

/**
 * What the licensee receives for tier 2 (format version 2): the {@link FieldManifest} and, for
 * every tensor of the manifest's list (each linear layer's matrix, then its bias), the share
 * {@code W_U = W - W_O mod p} and the MAC tags {@code T_U = K + alpha W_U mod p}, where
 * {@code W_O}, {@code alpha} and the keys {@code K} all come from the owner's seed. The shares are
 * uniform in {@code F_p} and the tags are one-time-pad masked by {@code K}, so the artifact alone
 * says nothing about the weights beyond the architecture (see {@link #asFieldModel()}); the tags
 * let the tier-2 protocol check that the licensee computed with exactly these shares.
 *
 * <p>File: the envelope ({@code OMLARTF\1}, version 2) around manifest length and bytes, the
 * {@link ModelId} (a tagged SHA-256 over manifest, shares and tags, recomputed on reading), all
 * shares, then all tags, 6 little-endian bytes per element.
 */
public final class FieldArtifact implements OmlArtifact {
  private static final String MODEL_ID_TAG = "oml/model-id/v2/field";

  private final FieldManifest manifest;
  private final long[][] shares;
  private final long[][] tags;
  private final ModelId modelId;

  FieldArtifact(FieldManifest manifest, long[][] shares, long[][] tags) {
    this.manifest = manifest;
    this.shares = shares;
    this.tags = tags;
    this.modelId = ModelId.of(TaggedHash.of(MODEL_ID_TAG, manifest.encodedView(),
        elementBytes(shares), elementBytes(tags)));
  }

  public FieldManifest manifest() {
    return manifest;
  }

  @Override
  public ArtifactManifest description() {
    return manifest.description();
  }

  @Override
  public int formatVersion() {
    return FieldManifest.FORMAT_VERSION;
  }

  @Override
  public ModelId modelId() {
    return modelId;
  }

  /** The tensors in file order (index {@code t} below is the position in this list). */
  public List<ArtifactManifest.TensorInfo> tensors() {
    return manifest.description().tensors();
  }

  /** A copy of the licensee's share {@code W_U} of tensor {@code t}. */
  public long[] share(int t) {
    return shares[checkIndex(t)].clone();
  }

  /** A copy of the licensee's MAC tags {@code T_U} on tensor {@code t}'s share. */
  public long[] tags(int t) {
    return tags[checkIndex(t)].clone();
  }

  /**
   * The shares run as if they were the model's weights: what a licensee gets by ignoring the
   * owner (chance-level answers, since the shares are uniform in {@code F_p}).
   */
  public FieldQuantizedModel asFieldModel() {
    return FieldKeyShare.assemble(manifest, shares);
  }

  /** The file encoding. */
  public byte[] encode() {
    byte[] m = manifest.encodedView();
    byte[] s = elementBytes(shares);
    byte[] t = elementBytes(tags);
    ByteBuffer body = ByteBuffer.allocate(4 + m.length + ModelId.BYTES + s.length + t.length);
    body.putInt(m.length).put(m).put(modelId.bytes()).put(s).put(t);
    return Envelope.seal(LicenseeArtifact.MAGIC, FieldManifest.FORMAT_VERSION, body.array());
  }

  /** Writes the artifact to {@code file} atomically (temporary file, fsync, rename). */
  public void write(Path file) {
    AtomicFiles.write(file, encode(), false);
  }

  /**
   * Reads a tier-2 artifact file.
   *
   * @throws ArtifactFormatException if the file is missing, not an artifact, a version-1
   *     artifact (re-OMLize), truncated, corrupted, or its model id does not match its content
   */
  public static FieldArtifact read(Path file) {
    String what = "artifact " + file;
    return decode(Envelope.readFile(file, what, ArtifactFormatException::new), what);
  }

  /** Decodes {@link #encode()}'s output; {@code what} names the source in messages. */
  public static FieldArtifact decode(byte[] bytes, String what) {
    FieldCodecs.Opened opened = FieldCodecs.open(bytes, LicenseeArtifact.MAGIC, what);
    try {
      ByteBuffer in = opened.in();
      FieldManifest manifest = opened.manifest();
      byte[] id = opened.id();
      List<ArtifactManifest.TensorInfo> ts = manifest.description().tensors();
      long[][] shares = new long[ts.size()][];
      long[][] tags = new long[ts.size()][];
      for (int t = 0; t < ts.size(); t++) {
        shares[t] = FieldCodecs.get(in, ts.get(t).length(), what);
      }
      for (int t = 0; t < ts.size(); t++) {
        tags[t] = FieldCodecs.get(in, ts.get(t).length(), what);
      }
      if (in.hasRemaining()) {
        throw new ArtifactFormatException(Reason.MALFORMED, what + ": unexpected bytes after the tags");
      }
      FieldArtifact a = new FieldArtifact(manifest, shares, tags);
      if (!MessageDigest.isEqual(id, a.modelId.bytes())) {
        throw new ArtifactFormatException(Reason.CHECKSUM_MISMATCH, what
            + ": the model id does not match the manifest, shares and tags; the artifact was altered");
      }
      return a;
    } catch (BufferUnderflowException e) {
      throw new ArtifactFormatException(Reason.MALFORMED, what + ": body ends early");
    }
  }

  private static byte[] elementBytes(long[][] tensors) {
    long total = 0;
    for (long[] t : tensors) {
      total += (long) t.length * FieldManifest.ELEMENT_BYTES;
    }
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(total));
    for (long[] t : tensors) {
      FieldCodecs.put(out, t);
    }
    return out.array();
  }

  private int checkIndex(int t) {
    if (t < 0 || t >= shares.length) {
      throw new IllegalArgumentException("tensor " + t + " does not exist (" + shares.length + ")");
    }
    return t;
  }

  @Override
  public String toString() {
    return "FieldArtifact(" + modelId + ", " + manifest + ")";
  }
}
