package dev.oml.core.permission;

import dev.oml.core.keys.KeyId;
import dev.oml.core.omlize.ModelId;
import java.time.Instant;
import java.util.HexFormat;

/**
 * A permission that {@link PermissionVerifier#verify} has checked completely: owner signature,
 * licensee on the allow-list, the licensee's proof of possession for this session, model, mode,
 * count and binding equal to the use, inside its validity window. Its constructor is
 * package-private, as in Tink's {@code VerifiedJwt}, so holding one means a verification
 * succeeded; every owner-side entry point takes one. It is not yet spent: pass it to a
 * {@code PermissionLedger} before any work that depends on the query.
 */
public final class VerifiedPermission {
  private final PermissionClaims claims;
  private final Instant verifiedAt;

  VerifiedPermission(PermissionClaims claims, Instant verifiedAt) {
    this.claims = claims;
    this.verifiedAt = verifiedAt;
  }

  public ModelId modelId() {
    return claims.modelId();
  }

  /** The licensee whose quota this permission is charged to. */
  public KeyId licensee() {
    return claims.licensee();
  }

  public InferenceMode mode() {
    return claims.mode();
  }

  /** The number of inferences {@code n} to charge. */
  public int inferences() {
    return claims.inferences();
  }

  public Binding binding() {
    return claims.binding();
  }

  /** A copy of the nonce: the ledger refuses a second spend of it. */
  public byte[] nonce() {
    return claims.nonce();
  }

  public Instant issuedAt() {
    return claims.issuedAt();
  }

  public Instant expiresAt() {
    return claims.expiresAt();
  }

  /** When the verifier accepted it (by the verifier's clock). */
  public Instant verifiedAt() {
    return verifiedAt;
  }

  @Override
  public String toString() {
    return "VerifiedPermission(" + claims.modelId() + ", " + claims.licensee() + ", "
        + claims.mode() + ", n=" + claims.inferences() + ", nonce "
        + HexFormat.of().formatHex(claims.nonce()) + ")";
  }
}
