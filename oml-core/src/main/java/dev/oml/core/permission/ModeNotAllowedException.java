package dev.oml.core.permission;

/**
 * The owner's policy does not allow this licensee the inference mode it asked for: the mode is
 * off for everyone, or off for this licensee ({@link PermissionPolicy#allows}; owners grant the
 * HE mode to licensees they trust, since in it a licensee that runs modified client code can
 * learn more than the output). Raised at the permit desk, at the start of an HE session and at
 * the gate; nothing is charged.
 */
public final class ModeNotAllowedException extends PermissionException {
  private static final long serialVersionUID = 1L;

  public ModeNotAllowedException(String message) {
    super(message);
  }
}
