package dev.oml.core.field;

import dev.oml.core.OmlException;

/**
 * A value given as an element of {@link PrimeField} lies outside {@code [0, p)}, or a fixed-point
 * value does not fit the field's centered range. Nothing was computed; the message names the
 * argument and the allowed range, never the value.
 */
public class FieldElementException extends OmlException {
  private static final long serialVersionUID = 1L;

  public FieldElementException(String message) {
    super(message);
  }
}
