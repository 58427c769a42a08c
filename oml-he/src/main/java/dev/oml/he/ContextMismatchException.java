package dev.oml.he;

/**
 * Raised when a key, plaintext or ciphertext made under one parameter set (or by another
 * backend) is handed to a context with different parameters. Mixing them would silently give
 * garbage, so every entry point checks the object's parameter id first.
 */
public class ContextMismatchException extends HeException {
  private static final long serialVersionUID = 1L;

  public ContextMismatchException(String message) {
    super(message);
  }
}
