package dev.oml.core.omlize;

import dev.oml.core.io.AtomicFiles;
import dev.oml.core.io.Envelope;
import dev.oml.core.io.FileFormatException.Reason;
import dev.oml.core.keys.KeyId;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelContentHash;
import dev.oml.core.reference.QuantizedModel;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;

/**
 * The owner's half of one licensee's OMLized model: the 256-bit seed {@code k_O}, with the
 * manifest (which holds the 128-bit salt and the architecture) and the model id it belongs to.
 * The owner's 2PC service holds this and never the model: it regenerates
 * {@code W_O = PRG(k_O, salt, tensor name)} on demand through {@link #matrixShare} and
 * {@link #biasShare}.
 *
 * <p>A secret type: the seed leaves only through {@link SecretAccess}; there is no
 * {@code equals}/{@code hashCode}; {@link #equalsKey} is constant time; {@link #toString} shows
 * the model id only. Files are written atomically and created {@code rw-------}.
 */
public final class OwnerKeyShare implements OmlKeyShare {
  /** Length of the seed {@code k_O} in bytes. */
  public static final int SEED_BYTES = 32;
  static final byte[] MAGIC = {'O', 'M', 'L', 'K', 'S', 'H', 'R', 1};
  /** File version of a tier-1 share with a model content hash. */
  static final int HASHED_VERSION = ArtifactManifest.FORMAT_VERSION + HASHED_VERSION_OFFSET;

  private final ArtifactManifest manifest;
  private final ModelId modelId;
  private final byte[] seed;
  private final ModelContentHash contentHash;

  OwnerKeyShare(ArtifactManifest manifest, ModelId modelId, byte[] seed,
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

  public ArtifactManifest manifest() {
    return manifest;
  }

  /** The model id of the artifact this key share completes. */
  @Override
  public ArtifactManifest description() {
    return manifest;
  }

  @Override
  public int formatVersion() {
    return ArtifactManifest.FORMAT_VERSION;
  }

  @Override
  public ModelId modelId() {
    return modelId;
  }

  /** The licensee this key share was made for. */
  @Override
  public KeyId licensee() {
    return manifest.licenseeKey().keyId();
  }

  /**
   * The owner's share {@code W_O} of layer {@code i}'s matrix (row-major, {@code f} bits).
   * Secret: together with the licensee's share it is the model.
   */
  public long[] matrixShare(int layer, SecretAccess access) {
    return share(layer, false, access);
  }

  /** The owner's share of layer {@code i}'s bias ({@code 2f} bits). Secret. */
  public long[] biasShare(int layer, SecretAccess access) {
    return share(layer, true, access);
  }

  /**
   * All of the owner's shares {@code W_O} as a {@link QuantizedModel} over the manifest's
   * architecture ({@code matrix(i)}, {@code bias(i)}, {@code rows(i)}, {@code cols(i)}): the form
   * in which the owner's side of a protocol reads its weights. Secret.
   */
  public QuantizedModel asQuantizedModel(SecretAccess access) {
    SecretAccess.require(access);
    Model arch = manifest.architecture();
    int n = arch.layers().size();
    long[][] matrices = new long[n][];
    long[][] biases = new long[n][];
    for (ArtifactManifest.TensorInfo t : manifest.tensors()) {
      (t.bias() ? biases : matrices)[t.layer()] =
          Prg.stream(seed, manifest.salt(), t.name(), manifest.format(), t.length());
    }
    return QuantizedModel.fromShares(arch, matrices, biases);
  }

  private long[] share(int layer, boolean bias, SecretAccess access) {
    SecretAccess.require(access);
    for (ArtifactManifest.TensorInfo t : manifest.tensors()) {
      if (t.layer() == layer && t.bias() == bias) {
        return Prg.stream(seed, manifest.salt(), t.name(), manifest.format(), t.length());
      }
    }
    throw new IllegalArgumentException("layer " + layer + " is not a linear layer of this model");
  }

  /** Constant-time comparison of seeds (and equality of the public parts). */
  public boolean equalsKey(OwnerKeyShare other) {
    boolean seeds = MessageDigest.isEqual(seed, other.seed);
    return seeds & modelId.equals(other.modelId);
  }

  /** The file encoding. Secret: it contains the seed. */
  public byte[] encode(SecretAccess access) {
    SecretAccess.require(access);
    byte[] m = manifest.encodedView();
    int hashBytes = contentHash == null ? 0 : ModelContentHash.BYTES;
    ByteBuffer body = ByteBuffer.allocate(4 + m.length + ModelId.BYTES + SEED_BYTES + hashBytes);
    body.putInt(m.length).put(m).put(modelId.bytes()).put(seed);
    if (contentHash != null) {
      body.put(contentHash.bytes());
    }
    byte[] out = Envelope.seal(MAGIC,
        contentHash == null ? ArtifactManifest.FORMAT_VERSION : HASHED_VERSION, body.array());
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
   * Reads a key share file.
   *
   * @throws ArtifactFormatException if the file is missing, not a key share, of an unknown
   *     version, truncated or corrupted
   */
  public static OwnerKeyShare read(Path file, SecretAccess access) {
    String what = "key share " + file;
    return decode(Envelope.readFile(file, what, ArtifactFormatException::new), what, access);
  }

  /** Decodes {@link #encode}'s output. */
  public static OwnerKeyShare decode(byte[] bytes, String what, SecretAccess access) {
    SecretAccess.require(access);
    boolean hashed = FieldCodecs.version(bytes, MAGIC) == HASHED_VERSION;
    if (!hashed) {
      FieldCodecs.checkTier(bytes, MAGIC, ArtifactManifest.FORMAT_VERSION, what);
    }
    byte[] body = Envelope.open(bytes, MAGIC,
        hashed ? HASHED_VERSION : ArtifactManifest.FORMAT_VERSION, what,
        ArtifactFormatException::new);
    try {
      ByteBuffer in = ByteBuffer.wrap(body);
      int mlen = in.getInt();
      if (mlen < 0 || mlen > in.remaining()) {
        throw new ArtifactFormatException(Reason.MALFORMED, what + ": bad manifest length");
      }
      byte[] m = new byte[mlen];
      in.get(m);
      ArtifactManifest manifest = ArtifactManifest.decode(m, what);
      byte[] id = new byte[ModelId.BYTES];
      in.get(id);
      byte[] seed = new byte[SEED_BYTES];
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
      return new OwnerKeyShare(manifest, ModelId.of(id), seed, hash);
    } catch (BufferUnderflowException e) {
      throw new ArtifactFormatException(Reason.MALFORMED, what + ": body ends early");
    } finally {
      Arrays.fill(body, (byte) 0);
    }
  }

  @Override
  public String toString() {
    return "OwnerKeyShare(" + modelId + ", licensee " + licensee() + ")";
  }
}
