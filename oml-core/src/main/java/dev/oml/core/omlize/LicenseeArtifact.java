package dev.oml.core.omlize;

import dev.oml.core.io.AtomicFiles;
import dev.oml.core.io.Envelope;
import dev.oml.core.io.FileFormatException.Reason;
import dev.oml.core.keys.TaggedHash;
import dev.oml.core.model.Model;
import dev.oml.core.reference.QuantizedModel;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * What the licensee receives: the {@link ArtifactManifest} and, for every linear layer, the
 * shares {@code W_U = W - W_O mod 2^l} of its matrix and bias, where {@code W_O} is the owner's
 * pseudorandom stream. Without the owner's key share every share is pseudorandom (uniform in
 * {@code Z_2^l} to anyone who cannot break AES-256 / HKDF-SHA256), so the artifact alone tells
 * nothing about the weights beyond the architecture; running it as a model gives chance-level
 * answers (see {@link #asQuantizedModel()}).
 *
 * <p>The {@link ModelId} is a hash over the manifest and all shares; reading a file recomputes
 * it, so a share changed in any bit is detected even where the checksum was rewritten.
 */
public final class LicenseeArtifact implements OmlArtifact {
  static final byte[] MAGIC = {'O', 'M', 'L', 'A', 'R', 'T', 'F', 1};
  private static final String MODEL_ID_TAG = "oml/model-id/v1";

  private final ArtifactManifest manifest;
  private final long[][] matrices;
  private final long[][] biases;
  private final ModelId modelId;

  LicenseeArtifact(ArtifactManifest manifest, long[][] matrices, long[][] biases) {
    this.manifest = manifest;
    this.matrices = matrices;
    this.biases = biases;
    this.modelId = ModelId.of(TaggedHash.of(MODEL_ID_TAG, manifest.encodedView(), sharesBytes()));
  }

  public ArtifactManifest manifest() {
    return manifest;
  }

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

  /** A copy of the licensee's share of layer {@code i}'s matrix (row-major, {@code f} bits). */
  public long[] matrixShare(int layer) {
    return require(matrices, layer).clone();
  }

  /** A copy of the licensee's share of layer {@code i}'s bias ({@code 2f} bits). */
  public long[] biasShare(int layer) {
    return require(biases, layer).clone();
  }

  /**
   * The shares run as if they were the model's weights: what a licensee gets by ignoring the
   * owner. Used to measure that the artifact alone is useless (chance-level accuracy; most
   * inputs overflow the ring, since the shares are uniform, not small).
   */
  public QuantizedModel asQuantizedModel() {
    Model arch = manifest.architecture();
    return QuantizedModel.fromShares(arch, deepCopy(matrices), deepCopy(biases));
  }

  /** The file encoding: checksummed envelope around manifest, model id and shares. */
  public byte[] encode() {
    byte[] m = manifest.encodedView();
    byte[] shares = sharesBytes();
    ByteBuffer body = ByteBuffer.allocate(4 + m.length + ModelId.BYTES + shares.length);
    body.putInt(m.length).put(m).put(modelId.bytes()).put(shares);
    return Envelope.seal(MAGIC, ArtifactManifest.FORMAT_VERSION, body.array());
  }

  /** Writes the artifact to {@code file} atomically (temporary file, fsync, rename). */
  public void write(Path file) {
    AtomicFiles.write(file, encode(), false);
  }

  /**
   * Reads an artifact file.
   *
   * @throws ArtifactFormatException if the file is missing, not an artifact, of an unknown
   *     version, truncated, corrupted, or its model id does not match its content
   */
  public static LicenseeArtifact read(Path file) {
    String what = "artifact " + file;
    return decode(Envelope.readFile(file, what, ArtifactFormatException::new), what);
  }

  /** Decodes {@link #encode()}'s output; {@code what} names the source in messages. */
  public static LicenseeArtifact decode(byte[] bytes, String what) {
    FieldCodecs.checkTier(bytes, MAGIC, ArtifactManifest.FORMAT_VERSION, what);
    byte[] body = Envelope.open(bytes, MAGIC, ArtifactManifest.FORMAT_VERSION, what,
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
      int n = manifest.architecture().layers().size();
      long[][] matrices = new long[n][];
      long[][] biases = new long[n][];
      for (ArtifactManifest.TensorInfo t : manifest.tensors()) {
        long[] v = ShareCodec.get(in, t.length(), manifest.format(), what);
        (t.bias() ? biases : matrices)[t.layer()] = v;
      }
      if (in.hasRemaining()) {
        throw new ArtifactFormatException(Reason.MALFORMED, what + ": unexpected bytes after the shares");
      }
      LicenseeArtifact a = new LicenseeArtifact(manifest, matrices, biases);
      if (!MessageDigest.isEqual(id, a.modelId.bytes())) {
        throw new ArtifactFormatException(Reason.CHECKSUM_MISMATCH, what
            + ": the model id does not match the manifest and shares; the artifact was altered");
      }
      return a;
    } catch (BufferUnderflowException e) {
      throw new ArtifactFormatException(Reason.MALFORMED, what + ": body ends early");
    }
  }

  private byte[] sharesBytes() {
    int w = ShareCodec.elementBytes(manifest.format());
    long total = 0;
    for (ArtifactManifest.TensorInfo t : manifest.tensors()) {
      total += (long) t.length() * w;
    }
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(total));
    for (ArtifactManifest.TensorInfo t : manifest.tensors()) {
      ShareCodec.put(out, (t.bias() ? biases : matrices)[t.layer()], manifest.format());
    }
    return out.array();
  }

  private static long[] require(long[][] tensors, int layer) {
    if (layer < 0 || layer >= tensors.length || tensors[layer] == null) {
      throw new IllegalArgumentException("layer " + layer + " is not a linear layer of this model");
    }
    return tensors[layer];
  }

  private static long[][] deepCopy(long[][] a) {
    long[][] c = new long[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i] == null ? null : a[i].clone();
    }
    return c;
  }

  @Override
  public String toString() {
    return "LicenseeArtifact(" + modelId + ", " + manifest + ")";
  }
}
