package dev.oml.service.modes;

import dev.oml.core.OmlException;

/**
 * A network the owner asked to serve in the HE mode cannot be paired with a key share: it is not
 * the network the share of the same name was made from (their content hashes differ), it matches
 * no key share at all, or the share predates content hashes and so cannot be checked. Raised at
 * start-up, before the server listens; nothing is served or charged.
 */
public final class HeModelMismatchException extends OmlException {
  private static final long serialVersionUID = 1L;

  public HeModelMismatchException(String message) {
    super(message);
  }
}
