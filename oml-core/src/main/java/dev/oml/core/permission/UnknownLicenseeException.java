package dev.oml.core.permission;

/**
 * The licensee is not (or no longer) on the owner's allow-list: its permit requests are refused and its outstanding permissions no longer verify.
 */
public final class UnknownLicenseeException extends PermissionException {
  private static final long serialVersionUID = 1L;

  public UnknownLicenseeException(String message) {
    super(message);
  }
}
