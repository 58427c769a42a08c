package dev.oml.core.permission;

/**
 * The bytes of a permission, permit request or licensee proof are not a valid encoding (wrong length, tag, mode code or field range). Checked before any signature, so garbage is refused cheaply.
 */
public final class MalformedPermissionException extends PermissionException {
  private static final long serialVersionUID = 1L;

  public MalformedPermissionException(String message) {
    super(message);
  }
}
