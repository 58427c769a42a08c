package dev.oml.core.omlize;

import dev.oml.core.field.MacKeyDerivation;
import dev.oml.core.io.AtomicFiles;
import dev.oml.core.io.Envelope;
import dev.oml.core.io.FileFormatException.Reason;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelContentHash;
import dev.oml.core.reference.FieldQuantizedModel;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The owner's half of a tier-2 OMLized model (format version 2): the 256-bit seed {@code k_O},
 * the {@link FieldManifest} and the model id. From the seed alone the owner re-derives, on
 * demand, its share {@code W_O} of every tensor, the MAC key {@code alpha} and the MAC key of
 * every element of the licensee's share ({@link MacKeyDerivation}{@code (k_O)}, tensor index =
 * position in the manifest's tensor list). A secret type like {@link OwnerKeyShare}: the seed
 * and everything derived from it leave only through {@link SecretAccess}; files are written
 * atomically and {@code rw-------}.
 */
public final class FieldKeyShare implements OmlKeyShare {
  /** File version of a tier-2 share with a model content hash. */
  static final int HASHED_VERSION = FieldManifest.FORMAT_VERSION + HASHED_VERSION_OFFSET;

  private final FieldManifest manifest;
  private final ModelId modelId;
  private final byte[] seed;
  private final ModelContentHash contentHash;

  FieldKeyShare(FieldManifest manifest, ModelId modelId, byte[] seed,
      ModelContentHash contentHash) {
    this.manifest = manifest;
    this.modelId = modelId;
    this.seed = seed;
    this.contentHash = contentHash;
  }

  @Override
  public Optional<ModelContentHash> modelContentHash() {
    return Optional.ofNullable(contentHash);
  }

  public FieldManifest manifest() {
    return manifest;
  }

  /** The model id of the artifact this key share completes. */
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

  /** The owner's share {@code W_O} of tensor {@code t}. Secret. */
  public long[] ownerShare(int t, SecretAccess access) {
    SecretAccess.require(access);
    ArtifactManifest.TensorInfo info = tensor(t);
    return FieldCodecs.ownerShare(seed, manifest.description().salt(), info.name(), info.length());
  }

  /** The MAC key {@code alpha}. Secret. */
  public long alpha(SecretAccess access) {
    SecretAccess.require(access);
    MacKeyDerivation d = new MacKeyDerivation(seed);
    try {
      return d.alpha();
    } finally {
      d.erase();
    }
  }

  /** The MAC keys {@code K} of tensor {@code t}'s licensee share. Secret. */
  public long[] macKeys(int t, SecretAccess access) {
    SecretAccess.require(access);
    MacKeyDerivation d = new MacKeyDerivation(seed);
    try {
      return d.weightKeys(t, tensor(t).length());
    } finally {
      d.erase();
    }
  }

  /** All of {@code W_O} as a field model over the manifest's architecture. Secret. */
  public FieldQuantizedModel asFieldModel(SecretAccess access) {
    List<ArtifactManifest.TensorInfo> ts = manifest.description().tensors();
    long[][] shares = new long[ts.size()][];
    for (int t = 0; t < ts.size(); t++) {
      shares[t] = ownerShare(t, access);
    }
    return assemble(manifest, shares);
  }

  static FieldQuantizedModel assemble(FieldManifest manifest, long[][] tensors) {
    Model arch = manifest.architecture();
    int n = arch.layers().size();
    long[][] matrices = new long[n][];
    long[][] biases = new long[n][];
    List<ArtifactManifest.TensorInfo> ts = manifest.description().tensors();
    for (int t = 0; t < ts.size(); t++) {
      ArtifactManifest.TensorInfo info = ts.get(t);
      (info.bias() ? biases : matrices)[info.layer()] = tensors[t].clone();
    }
    return FieldQuantizedModel.fromShares(arch, manifest.fractionalBits(), matrices, biases);
  }

  private ArtifactManifest.TensorInfo tensor(int t) {
    List<ArtifactManifest.TensorInfo> ts = manifest.description().tensors();
    if (t < 0 || t >= ts.size()) {
      throw new IllegalArgumentException("tensor " + t + " does not exist (" + ts.size() + ")");
    }
    return ts.get(t);
  }

  /** Constant-time comparison of seeds (and equality of the model ids). */
  public boolean equalsKey(FieldKeyShare other) {
    boolean seeds = MessageDigest.isEqual(seed, other.seed);
    return seeds & modelId.equals(other.modelId);
  }

  /** The file encoding. Secret: it contains the seed. */
  public byte[] encode(SecretAccess access) {
    SecretAccess.require(access);
    byte[] m = manifest.encodedView();
    int hashBytes = contentHash == null ? 0 : ModelContentHash.BYTES;
    ByteBuffer body = ByteBuffer.allocate(4 + m.length + ModelId.BYTES + OwnerKeyShare.SEED_BYTES
        + hashBytes);
    body.putInt(m.length).put(m).put(modelId.bytes()).put(seed);
    if (contentHash != null) {
      body.put(contentHash.bytes());
    }
    byte[] out = Envelope.seal(OwnerKeyShare.MAGIC,
        contentHash == null ? FieldManifest.FORMAT_VERSION : HASHED_VERSION, body.array());
    Arrays.fill(body.array(), (byte) 0);
    return out;
  }

  /** Writes the key share to {@code file}: atomic, created {@code rw-------}. */
  public void write(Path file, SecretAccess access) {
    byte[] bytes = encode(access);
    try {
      AtomicFiles.write(file, bytes, true);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /**
   * Reads a tier-2 key share file.
   *
   * @throws ArtifactFormatException if the file is missing, not a key share, a version-1 key
   *     share (re-OMLize), truncated or corrupted
   */
  public static FieldKeyShare read(Path file, SecretAccess access) {
    String what = "key share " + file;
    return decode(Envelope.readFile(file, what, ArtifactFormatException::new), what, access);
  }

  /** Decodes {@link #encode}'s output. */
  public static FieldKeyShare decode(byte[] bytes, String what, SecretAccess access) {
    SecretAccess.require(access);
    boolean hashed = FieldCodecs.version(bytes, OwnerKeyShare.MAGIC) == HASHED_VERSION;
    FieldCodecs.Opened opened = FieldCodecs.open(bytes, OwnerKeyShare.MAGIC,
        hashed ? HASHED_VERSION : FieldManifest.FORMAT_VERSION, what);
    byte[] body = opened.body();
    try {
      ByteBuffer in = opened.in();
      FieldManifest manifest = opened.manifest();
      byte[] id = opened.id();
      byte[] seed = new byte[OwnerKeyShare.SEED_BYTES];
      in.get(seed);
      ModelContentHash hash = null;
      if (hashed) {
        byte[] h = new byte[ModelContentHash.BYTES];
        in.get(h);
        hash = ModelContentHash.ofBytes(h);
      }
      if (in.hasRemaining()) {
        throw new ArtifactFormatException(Reason.MALFORMED, what + ": unexpected trailing bytes");
      }
      return new FieldKeyShare(manifest, ModelId.of(id), seed, hash);
    } catch (BufferUnderflowException e) {
      throw new ArtifactFormatException(Reason.MALFORMED, what + ": body ends early");
    } finally {
      Arrays.fill(body, (byte) 0);
    }
  }

  @Override
  public String toString() {
    return "FieldKeyShare(" + modelId + ")";
  }
}
