package dev.oml.core.permission;

/**
 * A valid permission presented for something other than what it was issued for: another model,
 * mode, count of inferences, or first message (binding). {@link #field()} says which.
 */
public final class PermissionMismatchException extends PermissionException {
  private static final long serialVersionUID = 1L;

  /** The claim that did not match the use. */
  public enum Field {
    MODEL, MODE, INFERENCES, BINDING
  }

  private final Field field;

  public PermissionMismatchException(Field field, String message) {
    super(message);
    this.field = field;
  }

  /** The claim that did not match. */
  public Field field() {
    return field;
  }
}
