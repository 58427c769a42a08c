package dev.oml.core.permission;

/**
 * The permission's expiry has passed, beyond the allowed clock skew.
 */
public final class PermissionExpiredException extends PermissionException {
  private static final long serialVersionUID = 1L;

  public PermissionExpiredException(String message) {
    super(message);
  }
}
