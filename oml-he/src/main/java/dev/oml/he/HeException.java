package dev.oml.he;

import dev.oml.core.OmlException;

/**
 * Root of the errors the homomorphic-encryption layer raises on purpose: invalid parameters,
 * objects from another context, malformed serialized data, mismatched levels or scales, and
 * parameters or operations refused because their noise budget would not hold. Messages never
 * contain key material, plaintexts or noise values.
 */
public class HeException extends OmlException {
  private static final long serialVersionUID = 1L;

  public HeException(String message) {
    super(message);
  }

  public HeException(String message, Throwable cause) {
    super(message, cause);
  }
}
