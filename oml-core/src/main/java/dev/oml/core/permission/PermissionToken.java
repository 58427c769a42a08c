package dev.oml.core.permission;

import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.keys.TaggedHash;
import java.util.Arrays;

/**
 * A permission as it travels: the canonical claims followed by the owner's 64-byte Ed25519
 * signature over them (213 bytes in all). Decoding only checks the shape; the claims it exposes
 * are unverified (like Tink's {@code RawJwt}) until {@link PermissionVerifier#verify} turns the
 * token into a {@link VerifiedPermission}.
 */
public final class PermissionToken {
  /** Length of the encoding in bytes. */
  public static final int BYTES = PermissionClaims.BYTES + SigningPublicKey.SIGNATURE_BYTES;
  private static final String DIGEST_TAG = "oml/permission-token/v1";

  private final byte[] claimsBytes;
  private final PermissionClaims claims;
  private final byte[] signature;

  PermissionToken(byte[] claimsBytes, PermissionClaims claims, byte[] signature) {
    this.claimsBytes = claimsBytes;
    this.claims = claims;
    this.signature = signature;
  }

  /**
   * Decodes a token's bytes; no signature is checked here.
   *
   * @throws MalformedPermissionException if the bytes are not a token's encoding
   */
  public static PermissionToken decode(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new MalformedPermissionException("a permission has " + BYTES + " bytes, got " + bytes.length);
    }
    byte[] c = Arrays.copyOfRange(bytes, 0, PermissionClaims.BYTES);
    byte[] s = Arrays.copyOfRange(bytes, PermissionClaims.BYTES, BYTES);
    return new PermissionToken(c, PermissionClaims.decode(c), s);
  }

  /** The 213-byte encoding. */
  public byte[] encode() {
    byte[] out = Arrays.copyOf(claimsBytes, BYTES);
    System.arraycopy(signature, 0, out, PermissionClaims.BYTES, signature.length);
    return out;
  }

  /** The claims, not yet verified: for display and routing, never for a decision. */
  public PermissionClaims unverifiedClaims() {
    return claims;
  }

  /** A tagged hash of the whole token; the licensee's proof signs it. */
  byte[] digest() {
    return TaggedHash.of(DIGEST_TAG, encode());
  }

  boolean signatureValid(SigningPublicKey ownerKey) {
    return ownerKey.verify(claimsBytes, signature);
  }

  @Override
  public String toString() {
    return "PermissionToken(unverified " + claims + ")";
  }
}
