package dev.oml.core.permission;

/**
 * The permission is presented without a valid proof of possession: the licensee named in the permission did not sign this permission's nonce with this session's transcript hash. A copied permission is worthless to anyone but its licensee.
 */
public final class LicenseeProofException extends PermissionException {
  private static final long serialVersionUID = 1L;

  public LicenseeProofException(String message) {
    super(message);
  }
}
