package dev.oml.core.keys;

import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 public key (RFC 8032, Bouncy Castle): the owner's, which verifies permissions, or
 * a licensee's, which verifies permit requests and proofs of possession. Verification is the
 * only operation; its guarantee is Ed25519's strong unforgeability (about 128-bit security).
 * Public data: equality and hashing are ordinary.
 */
public final class SigningPublicKey {
  /** Length of the encoding in bytes. */
  public static final int BYTES = 32;
  /** Length of a signature in bytes. */
  public static final int SIGNATURE_BYTES = 64;

  private final byte[] encoded;
  private final Ed25519PublicKeyParameters params;
  private final KeyId keyId;

  private SigningPublicKey(byte[] encoded, Ed25519PublicKeyParameters params) {
    this.encoded = encoded;
    this.params = params;
    this.keyId = KeyId.ofPublicKey(encoded);
  }

  static SigningPublicKey of(Ed25519PublicKeyParameters params) {
    return new SigningPublicKey(params.getEncoded(), params);
  }

  /**
   * Decodes a 32-byte Ed25519 public key.
   *
   * @throws KeyFormatException if the bytes are not a valid encoded curve point
   */
  public static SigningPublicKey decode(byte[] encoded) {
    if (encoded.length != BYTES) {
      throw new KeyFormatException(KeyFormatException.Reason.MALFORMED,
          "an Ed25519 public key has " + BYTES + " bytes, got " + encoded.length);
    }
    // Full validation: on the curve and not of small order. A small-order key would let anyone
    // make signatures that verify for a fraction of messages under it.
    if (!Ed25519.validatePublicKeyFull(encoded, 0)) {
      throw new KeyFormatException(KeyFormatException.Reason.MALFORMED,
          "the bytes are not a valid Ed25519 public key (not on the curve, or of small order)");
    }
    try {
      return new SigningPublicKey(encoded.clone(), new Ed25519PublicKeyParameters(encoded, 0));
    } catch (IllegalArgumentException e) {
      throw new KeyFormatException(KeyFormatException.Reason.MALFORMED,
          "the bytes are not a valid Ed25519 public key");
    }
  }

  /** True if {@code signature} is a valid Ed25519 signature of {@code message} under this key. */
  public boolean verify(byte[] message, byte[] signature) {
    if (signature == null || signature.length != SIGNATURE_BYTES) {
      return false;
    }
    Ed25519Signer v = new Ed25519Signer();
    v.init(false, params);
    v.update(message, 0, message.length);
    return v.verifySignature(signature);
  }

  /** The 32-byte encoding. */
  public byte[] encoded() {
    return encoded.clone();
  }

  /** This key's id. */
  public KeyId keyId() {
    return keyId;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SigningPublicKey k && Arrays.equals(k.encoded, encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return "SigningPublicKey(Ed25519, " + HexFormat.of().formatHex(encoded, 0, 8) + "..., " + keyId + ")";
  }
}
