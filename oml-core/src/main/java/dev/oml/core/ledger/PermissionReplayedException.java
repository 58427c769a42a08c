package dev.oml.core.ledger;

import dev.oml.core.permission.PermissionException;

/**
 * The permission's nonce was spent before: a replay. Nothing was charged. Each permission pays
 * for its inferences exactly once, including across restarts of a durable ledger.
 */
public final class PermissionReplayedException extends PermissionException {
  private static final long serialVersionUID = 1L;

  public PermissionReplayedException(String message) {
    super(message);
  }
}
