package dev.oml.core.reference;

import dev.oml.core.OmlException;

/**
 * A model cannot run in the prime field of tier 2: a layer's worst-case intermediate value at
 * scale {@code 2^(2f)} may exceed {@code (p - 1) / 2}, so the centered embedding would wrap, or
 * the layer kind has no tier-2 rule. The message names the layer by index and kind and says what
 * to change (fewer fractional bits, a smaller activation bound); it never contains weights.
 */
public class FieldRangeException extends OmlException {
  private static final long serialVersionUID = 1L;

  public FieldRangeException(String message) {
    super(message);
  }
}
