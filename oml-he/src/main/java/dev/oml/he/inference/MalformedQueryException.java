package dev.oml.he.inference;

import dev.oml.he.HeException;

/**
 * A message of the HE inference protocol (plan, session keys, query or answer) is not what the
 * receiving party can accept: wrong magic or version, another plan or session, wrong counts or
 * sizes, ciphertexts for other parameters, at another level or scale, or bytes that do not
 * parse. The owner raises it before the permission is spent, so nothing is charged.
 */
public class MalformedQueryException extends HeException {
  private static final long serialVersionUID = 1L;

  public MalformedQueryException(String message) {
    super(message);
  }

  public MalformedQueryException(String message, Throwable cause) {
    super(message, cause);
  }
}
