package dev.oml.core.permission;

import dev.oml.core.OmlException;

/**
 * A permission, permit request or proof of possession was refused. The subclass says why, so
 * that an owner service can answer and log precisely and a test can check that a refusal happened
 * for the right reason. Messages name public facts only (key ids, model ids, times, counts),
 * never signatures' secrets or query content.
 */
public class PermissionException extends OmlException {
  private static final long serialVersionUID = 1L;

  protected PermissionException(String message) {
    super(message);
  }
}
