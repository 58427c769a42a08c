package dev.oml.core.fixedpoint;

import dev.oml.core.OmlException;

/**
 * A value left the signed range {@code [-2^(l-1), 2^(l-1))} of a {@link FixedPointFormat}.
 * The plaintext fixed-point reference raises this instead of wrapping silently; secret shares
 * wrap by design and never raise it. The fix is a wider ring (larger {@code l}) or fewer
 * fractional bits.
 */
public final class FixedPointOverflowException extends OmlException {
  private static final long serialVersionUID = 1L;

  public FixedPointOverflowException(String message) {
    super(message);
  }
}
