package dev.oml.mpc.inference;

import dev.oml.core.OmlException;

/**
 * A prepared bundle has no unused query left, or it was discarded after a failed query. Prepared
 * material is single-use by design (evaluating a garbled circuit twice would hand the user both
 * labels of a wire), so the remedy is to prepare a new bundle under a new permission.
 */
public final class BundleExhaustedException extends OmlException {
  private static final long serialVersionUID = 1L;

  public BundleExhaustedException(String message) {
    super(message);
  }
}
