package dev.oml.core.permission;

/**
 * A signature did not verify: the owner's over a permission's claims, or the licensee's over a permit request. Any change to a signed byte lands here; without the signing key no valid signature can be made (Ed25519, about 128-bit security).
 */
public final class InvalidSignatureException extends PermissionException {
  private static final long serialVersionUID = 1L;

  public InvalidSignatureException(String message) {
    super(message);
  }
}
