package dev.oml.he;

/**
 * Raised by {@link HeParameters.Builder#build()} when a parameter set is inconsistent, unsafe
 * (beyond the Homomorphic Encryption Standard's 128-bit bound without being marked insecure) or
 * unusable for what it was asked to do.
 */
public class InvalidParametersException extends HeException {
  private static final long serialVersionUID = 1L;

  public InvalidParametersException(String message) {
    super(message);
  }
}
