package dev.oml.core.permission;

/**
 * The owner's policy refuses a permit request: a mode or model not allowed to this licensee, more inferences than one permission may carry or than the quota holds, or a stale request.
 */
public final class PolicyViolationException extends PermissionException {
  private static final long serialVersionUID = 1L;

  public PolicyViolationException(String message) {
    super(message);
  }
}
