package dev.oml.core.permission;

/**
 * The permission's issue time lies in the future, beyond the allowed clock skew: a clock is wrong or the permission was made for later.
 */
public final class PermissionNotYetValidException extends PermissionException {
  private static final long serialVersionUID = 1L;

  public PermissionNotYetValidException(String message) {
    super(message);
  }
}
