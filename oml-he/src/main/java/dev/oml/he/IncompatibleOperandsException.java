package dev.oml.he;

/**
 * Raised when the operands of a homomorphic operation do not fit together or with the
 * operation: different levels or scales, a scheme or encoding the operation does not support,
 * a missing Galois key, a ciphertext that cannot be rescaled further.
 */
public class IncompatibleOperandsException extends HeException {
  private static final long serialVersionUID = 1L;

  public IncompatibleOperandsException(String message) {
    super(message);
  }
}
