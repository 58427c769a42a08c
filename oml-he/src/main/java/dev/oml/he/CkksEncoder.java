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

  /**
   * The monomial {@code X^power} ({@code 0 <= power < N}) as a plaintext at {@code level} and
   * scale one. Its coefficients are exact, so a product with it only permutes and negates the
   * other operand's coefficients: no noise, no level, the scale unchanged. In slot {@code j} it
   * is {@code zeta_j^power}, {@code zeta_j} the root the backend's slot {@code j} evaluates at
   * (decode it to see: {@code X^(N/2)} is {@code +i} or {@code -i} in every slot, by the
   * backend's order of the roots).
   */
  Plaintext monomial(int power, int level);

  /** Real parts of the {@code N/2} slots. */
  double[] decode(Plaintext plaintext);

  /** {@code [0]} real parts, {@code [1]} imaginary parts. */
  double[][] decodeComplex(Plaintext plaintext);
}
