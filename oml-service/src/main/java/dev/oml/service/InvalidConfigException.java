package dev.oml.service;

import dev.oml.core.OmlException;

/**
 * A facade's configuration was refused at {@code build()}: a required setting is missing, a
 * number is out of range, or two settings contradict each other (an artifact made for another
 * licensee key). The message names the setting and what to do; nothing was opened or started.
 */
public final class InvalidConfigException extends OmlException {
  private static final long serialVersionUID = 1L;

  public InvalidConfigException(String message) {
    super(message);
  }
}
