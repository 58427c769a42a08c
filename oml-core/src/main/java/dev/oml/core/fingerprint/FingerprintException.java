package dev.oml.core.fingerprint;

import dev.oml.core.OmlException;

/**
 * A fingerprinting request that cannot be carried out: parameters out of range, keys derived
 * for another model or input shape, a suspect that does not take the keys' inputs, or a
 * fine-tuning that did not take every fingerprint. Messages name the parameter or the mismatch,
 * never a key input or label.
 */
public class FingerprintException extends OmlException {
  private static final long serialVersionUID = 1L;

  public FingerprintException(String message) {
    super(message);
  }
}
