package dev.oml.he;

/**
 * CKKS encoding through the canonical embedding: up to {@code N/2} complex values, scaled by
 * {@code scale} and rounded to integer coefficients. Values whose scaled coefficients would not
 * fit in 62 bits are refused.
 */
public interface CkksEncoder {
  int slotCount();

  /** Real values at the top level. */
  Plaintext encode(double[] values, double scale);

  /** Complex values (real and imaginary parts) at a given level. */
  Plaintext encode(double[] real, double[] imag, double scale, int level);

  /** Real parts of the {@code N/2} slots. */
  double[] decode(Plaintext plaintext);

  /** {@code [0]} real parts, {@code [1]} imaginary parts. */
  double[][] decodeComplex(Plaintext plaintext);
}
