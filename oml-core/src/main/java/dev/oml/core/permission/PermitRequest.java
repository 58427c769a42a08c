package dev.oml.core.permission;

import dev.oml.core.io.ByteReader;
import dev.oml.core.io.ByteWriter;
import dev.oml.core.keys.KeyId;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.omlize.ModelId;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A licensee's signed request for a permission: its key id, the model id, mode, number of
 * inferences, the binding of the first message it will send, and the time of the request,
 * in a fixed-length canonical encoding (16-byte tag, 32, 32, 1, 4, 32, 8) followed by the
 * licensee's Ed25519 signature. The owner's {@link PermissionIssuer} issues a permission only for
 * a request signed by an allowed licensee, so nobody can make the owner spend a licensee's quota
 * in its name.
 */
public final class PermitRequest {
  static final int BODY_BYTES = Wire.TAG_BYTES + KeyId.BYTES + ModelId.BYTES + 1 + 4 + Binding.BYTES + 8;
  /** Length of the encoding in bytes. */
  public static final int BYTES = BODY_BYTES + SigningPublicKey.SIGNATURE_BYTES;

  private final KeyId licensee;
  private final ModelId modelId;
  private final InferenceMode mode;
  private final int inferences;
  private final Binding binding;
  private final Instant requestedAt;
  private final byte[] body;
  private final byte[] signature;

  private PermitRequest(KeyId licensee, ModelId modelId, InferenceMode mode, int inferences,
      Binding binding, Instant requestedAt, byte[] signature) {
    if (inferences < 1) {
      throw new MalformedPermissionException("a request must ask for at least one inference");
    }
    this.licensee = licensee;
    this.modelId = modelId;
    this.mode = mode;
    this.inferences = inferences;
    this.binding = binding;
    this.requestedAt = requestedAt;
    this.body = encodeBody();
    this.signature = signature;
  }

  /** Makes and signs a request as the licensee {@code licenseeKey}. */
  public static PermitRequest create(SigningKeyPair licenseeKey, ModelId modelId, InferenceMode mode,
      int inferences, Binding binding, Instant now) {
    Objects.requireNonNull(licenseeKey, "licenseeKey");
    PermitRequest unsigned = new PermitRequest(licenseeKey.keyId(), modelId, mode, inferences, binding,
        Instant.ofEpochSecond(now.getEpochSecond()), new byte[SigningPublicKey.SIGNATURE_BYTES]);
    return new PermitRequest(unsigned.licensee, modelId, mode, inferences, binding,
        unsigned.requestedAt, licenseeKey.sign(unsigned.body));
  }

  /**
   * Decodes a request; the signature is checked by the issuer.
   *
   * @throws MalformedPermissionException if the bytes are not a request's encoding
   */
  public static PermitRequest decode(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new MalformedPermissionException("a permit request has " + BYTES + " bytes, got "
          + bytes.length);
    }
    ByteReader b = Wire.reader(bytes);
    if (!Arrays.equals(b.bytes(Wire.TAG_BYTES, "the tag"), Wire.REQUEST_TAG)) {
      throw new MalformedPermissionException("not a permit request (wrong domain tag)");
    }
    KeyId licensee = KeyId.of(b.bytes(KeyId.BYTES, "the licensee"));
    ModelId model = ModelId.of(b.bytes(ModelId.BYTES, "the model id"));
    InferenceMode mode = InferenceMode.ofCode(b.u8("the mode"));
    int n = b.u32("the count");
    Binding binding = Binding.of(b.bytes(Binding.BYTES, "the binding"));
    Instant at = PermissionClaims.time(b.u64("the request time"));
    byte[] sig = b.bytes(SigningPublicKey.SIGNATURE_BYTES, "the signature");
    return new PermitRequest(licensee, model, mode, n, binding, at, sig);
  }

  /** The encoding: body then signature. */
  public byte[] encode() {
    byte[] out = Arrays.copyOf(body, BYTES);
    System.arraycopy(signature, 0, out, BODY_BYTES, signature.length);
    return out;
  }

  private byte[] encodeBody() {
    return ByteWriter.bigEndian().bytes(Wire.REQUEST_TAG).bytes(licensee.bytes())
        .bytes(modelId.bytes()).u8(mode.code()).u32(inferences).bytes(binding.view())
        .u64(requestedAt.getEpochSecond()).toByteArray();
  }

  boolean signatureValid(SigningPublicKey licenseeKey) {
    return licenseeKey.verify(body, signature);
  }

  public KeyId licensee() {
    return licensee;
  }

  public ModelId modelId() {
    return modelId;
  }

  public InferenceMode mode() {
    return mode;
  }

  public int inferences() {
    return inferences;
  }

  public Binding binding() {
    return binding;
  }

  public Instant requestedAt() {
    return requestedAt;
  }

  @Override
  public String toString() {
    return "PermitRequest(" + licensee + ", " + modelId + ", " + mode + ", n=" + inferences + ", "
        + requestedAt + ")";
  }
}
