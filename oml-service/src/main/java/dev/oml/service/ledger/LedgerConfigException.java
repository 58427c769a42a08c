package dev.oml.service.ledger;

import dev.oml.core.OmlException;

/**
 * The ledger configuration ({@code ledger.properties} of an owner directory, or a {@link
 * LedgerConfig} being built) is wrong. The message names the setting and says what it must be;
 * it never contains a password.
 */
public final class LedgerConfigException extends OmlException {
  private static final long serialVersionUID = 1L;

  private final String setting;

  public LedgerConfigException(String setting, String message) {
    super(setting + ": " + message);
    this.setting = setting;
  }

  /** The name of the offending setting, as written in {@code ledger.properties}. */
  public String setting() {
    return setting;
  }
}
