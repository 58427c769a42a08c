package dev.oml.core.permission;

import dev.oml.core.io.ByteReader;
import dev.oml.core.io.ByteWriter;
import dev.oml.core.keys.KeyId;
import dev.oml.core.omlize.ModelId;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What a permission says, in its canonical fixed-length encoding (the bytes the owner signs):
 * a 16-byte domain tag, model id (32), licensee key id (32), mode (1), number of inferences
 * {@code n} (4, big-endian, at least 1), binding (32), nonce (16), issue time and expiry (8 each,
 * seconds since the epoch, big-endian). Every field has one position and one length, so there
 * is exactly one encoding of a set of claims and decoding refuses anything else.
 *
 * <p>Claims read from a token are unverified until {@link PermissionVerifier} has checked them;
 * only a {@link VerifiedPermission} should be trusted.
 */
public final class PermissionClaims {
  /** Length of the nonce in bytes. */
  public static final int NONCE_BYTES = 16;
  /** Length of the encoding in bytes. */
  public static final int BYTES = Wire.TAG_BYTES + ModelId.BYTES + KeyId.BYTES + 1 + 4
      + Binding.BYTES + NONCE_BYTES + 8 + 8;

  private final ModelId modelId;
  private final KeyId licensee;
  private final InferenceMode mode;
  private final int inferences;
  private final Binding binding;
  private final byte[] nonce;
  private final Instant issuedAt;
  private final Instant expiresAt;

  PermissionClaims(ModelId modelId, KeyId licensee, InferenceMode mode, int inferences,
      Binding binding, byte[] nonce, Instant issuedAt, Instant expiresAt) {
    if (inferences < 1) {
      throw new MalformedPermissionException("a permission must carry at least one inference");
    }
    if (nonce.length != NONCE_BYTES) {
      throw new MalformedPermissionException("a nonce has " + NONCE_BYTES + " bytes");
    }
    if (!expiresAt.isAfter(issuedAt)) {
      throw new MalformedPermissionException("a permission must expire after it is issued");
    }
    this.modelId = modelId;
    this.licensee = licensee;
    this.mode = mode;
    this.inferences = inferences;
    this.binding = binding;
    this.nonce = nonce.clone();
    this.issuedAt = issuedAt;
    this.expiresAt = expiresAt;
  }

  byte[] encode() {
    return ByteWriter.bigEndian().bytes(Wire.CLAIMS_TAG).bytes(modelId.bytes())
        .bytes(licensee.bytes()).u8(mode.code()).u32(inferences).bytes(binding.view())
        .bytes(nonce).u64(issuedAt.getEpochSecond()).u64(expiresAt.getEpochSecond())
        .toByteArray();
  }

  static PermissionClaims decode(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new MalformedPermissionException("permission claims have " + BYTES + " bytes, got "
          + bytes.length);
    }
    ByteReader b = Wire.reader(bytes);
    if (!Arrays.equals(b.bytes(Wire.TAG_BYTES, "the tag"), Wire.CLAIMS_TAG)) {
      throw new MalformedPermissionException("not a permission (wrong domain tag)");
    }
    ModelId model = ModelId.of(b.bytes(ModelId.BYTES, "the model id"));
    KeyId licensee = KeyId.of(b.bytes(KeyId.BYTES, "the licensee"));
    InferenceMode mode = InferenceMode.ofCode(b.u8("the mode"));
    int n = b.u32("the count");
    Binding binding = Binding.of(b.bytes(Binding.BYTES, "the binding"));
    byte[] nonce = b.bytes(NONCE_BYTES, "the nonce");
    Instant issued = time(b.u64("the issue time"));
    Instant expires = time(b.u64("the expiry"));
    return new PermissionClaims(model, licensee, mode, n, binding, nonce, issued, expires);
  }

  /** Latest time a permission may name: the end of the year 9999. */
  static final long MAX_EPOCH_SECOND = 253_402_300_799L;

  static Instant time(long epochSecond) {
    if (epochSecond < 0 || epochSecond > MAX_EPOCH_SECOND) {
      throw new MalformedPermissionException("time " + epochSecond + " is outside [1970, 9999]");
    }
    return Instant.ofEpochSecond(epochSecond);
  }

  public ModelId modelId() {
    return modelId;
  }

  /** Key id of the licensee the permission was issued to. */
  public KeyId licensee() {
    return licensee;
  }

  public InferenceMode mode() {
    return mode;
  }

  /** The number of inferences {@code n} the permission pays for. */
  public int inferences() {
    return inferences;
  }

  public Binding binding() {
    return binding;
  }

  /** A copy of the 16-byte nonce. */
  public byte[] nonce() {
    return nonce.clone();
  }

  public Instant issuedAt() {
    return issuedAt;
  }

  public Instant expiresAt() {
    return expiresAt;
  }

  @Override
  public String toString() {
    return "PermissionClaims(" + modelId + ", " + licensee + ", " + mode + ", n=" + inferences
        + ", nonce " + HexFormat.of().formatHex(nonce) + ", " + issuedAt + " .. " + expiresAt + ")";
  }
}
