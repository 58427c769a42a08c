package dev.oml.core;

/**
 * Root of every error this library raises on purpose: malformed files, refused permissions,
 * protocol violations, numeric overflow. Catching {@code OmlException} catches exactly the
 * failures a caller can act on; programming errors (a null argument, an index out of bounds)
 * stay ordinary {@link IllegalArgumentException}s and {@link NullPointerException}s.
 *
 * <p>Messages say what was wrong and what to do about it. They never contain key material,
 * shares or plaintext inputs.
 */
public class OmlException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OmlException(String message) {
    super(message);
  }

  public OmlException(String message, Throwable cause) {
    super(message, cause);
  }
}
