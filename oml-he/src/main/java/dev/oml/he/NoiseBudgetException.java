package dev.oml.he;

/**
 * Raised when correctness or circuit privacy cannot be guaranteed: the evaluation noise plus the
 * flooding noise plus the fresh noise would reach half the scaling factor, or the statistical
 * parameter {@code kappa} is below 40 for parameters that are not marked insecure. The fix is a
 * larger ciphertext modulus, a larger ring, a smaller plaintext modulus, or a smaller workload.
 */
public class NoiseBudgetException extends HeException {
  private static final long serialVersionUID = 1L;

  public NoiseBudgetException(String message) {
    super(message);
  }
}
