package dev.oml.he;

/**
 * Raised by the serializer's {@code load} methods when bytes are truncated, too long, of the
 * wrong type or version, carry coefficients outside their modulus, or belong to another
 * parameter set. Nothing is returned from malformed input.
 */
public class MalformedDataException extends HeException {
  private static final long serialVersionUID = 1L;

  public MalformedDataException(String message) {
    super(message);
  }
}
