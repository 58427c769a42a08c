package dev.oml.service.server;

import dev.oml.core.OmlException;

/**
 * The owner's permit desk refused a request; the message carries the owner's reason (which
 * refusal class and why: not on the allow-list, quota, validity, mode, bad signature).
 */
public final class PermitRefusedException extends OmlException {
  private static final long serialVersionUID = 1L;

  public PermitRefusedException(String reason) {
    super("the owner refused the permit request: " + reason);
  }
}
