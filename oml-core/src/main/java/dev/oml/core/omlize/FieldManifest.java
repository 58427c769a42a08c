package dev.oml.core.omlize;

import dev.oml.core.field.PrimeField;
import dev.oml.core.io.FileFormatException.Reason;
import dev.oml.core.model.Model;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.core.reference.FieldRangeException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The public description of a tier-2 (version 2) OMLized model: the field ({@code p}), the number
 * of fractional bits {@code f}, and the format version, followed by the architecture, salt, owner
 * and licensee keys and tensor list in the encoding of {@link ArtifactManifest} (whose format
 * field there records {@code l = 46}, the width of a field element, and the same {@code f}). Its
 * canonical encoding is hashed into the {@link ModelId}, so the field and {@code f} are bound to
 * the shares and tags.
 */
public final class FieldManifest {
  /** Version of the tier-2 manifest, artifact and key-share encoding. */
  public static final int FORMAT_VERSION = 2;
  /** Bytes of one field element in the files: 46 bits, little-endian, in 6 bytes. */
  public static final int ELEMENT_BYTES = 6;
  private static final int HEADER_BYTES = 2 + 8 + 1;

  private final ArtifactManifest inner;
  private final int fractionalBits;
  private final byte[] encoded;

  private FieldManifest(ArtifactManifest inner, int fractionalBits) {
    this.inner = inner;
    this.fractionalBits = fractionalBits;
    byte[] m = inner.encodedView();
    this.encoded = ByteBuffer.allocate(HEADER_BYTES + m.length).putShort((short) FORMAT_VERSION)
        .putLong(PrimeField.P).put((byte) fractionalBits).put(m).array();
  }

  static FieldManifest of(ArtifactManifest inner, int fractionalBits) {
    return new FieldManifest(inner, fractionalBits);
  }

  /** Architecture, salt, keys and tensor list (shared with the version-1 manifest encoding). */
  public ArtifactManifest description() {
    return inner;
  }

  /** The architecture with zero weights; see {@link ArtifactManifest#architecture()}. */
  public Model architecture() {
    return inner.architecture();
  }

  /** The number of fractional bits {@code f}. */
  public int fractionalBits() {
    return fractionalBits;
  }

  /** The field modulus {@code p} (always {@link PrimeField#P} in this version). */
  public long modulus() {
    return PrimeField.P;
  }

  /** A copy of the canonical encoding. */
  public byte[] encoded() {
    return encoded.clone();
  }

  byte[] encodedView() {
    return encoded;
  }

  /**
   * Decodes and validates a tier-2 manifest.
   *
   * @throws ArtifactFormatException if the version, field or {@code f} are not this build's, or
   *     the description is invalid
   */
  static FieldManifest decode(byte[] encoded, String what) {
    try {
      ByteBuffer in = ByteBuffer.wrap(encoded);
      int version = Short.toUnsignedInt(in.getShort());
      if (version != FORMAT_VERSION) {
        throw new ArtifactFormatException(Reason.UNSUPPORTED_VERSION, what + ": manifest version "
            + version + "; the tier-2 reader takes version " + FORMAT_VERSION);
      }
      long p = in.getLong();
      if (p != PrimeField.P) {
        throw new ArtifactFormatException(Reason.MALFORMED, what + ": the shares are over another"
            + " field than p = " + PrimeField.P);
      }
      int f = Byte.toUnsignedInt(in.get());
      byte[] m = Arrays.copyOfRange(encoded, HEADER_BYTES, encoded.length);
      ArtifactManifest inner = ArtifactManifest.decode(m, what);
      if (inner.format().ringBits() != PrimeField.BITS || inner.format().fractionalBits() != f
          || 2 * f > PrimeField.BITS - 2) {
        throw new ArtifactFormatException(Reason.MALFORMED, what + ": the description's format "
            + inner.format() + " does not match the field header (f=" + f + ")");
      }
      try {
        // the weights are zero here, so this checks the layer kinds and the activation bound
        FieldQuantizedModel.checkFits(inner.architecture(), f);
      } catch (FieldRangeException e) {
        throw new ArtifactFormatException(Reason.MALFORMED, what + ": " + e.getMessage());
      }
      return new FieldManifest(inner, f);
    } catch (BufferUnderflowException e) {
      throw new ArtifactFormatException(Reason.MALFORMED, what + ": manifest ends early");
    }
  }

  @Override
  public String toString() {
    return "FieldManifest(v" + FORMAT_VERSION + ", F_p, f=" + fractionalBits + ", model '"
        + inner.modelName() + "', " + inner.tensors().size() + " tensors)";
  }
}
