package dev.oml.he.inference;

import dev.oml.he.HeException;

/**
 * An HE session request names a model the owner does not serve in the HE mode (or asks for the
 * owner's only model where it serves several), raised before the licensee is authenticated; or
 * requires a packing the owner does not serve that model in, raised right after. Either way
 * before anything about a plan is sent; nothing is charged.
 */
public final class HeModelNotServedException extends HeException {
  private static final long serialVersionUID = 1L;

  public HeModelNotServedException(String message) {
    super(message);
  }
}
