package dev.oml.he;

/**
 * How a BFV plaintext holds its values. {@code BATCHING} puts {@code N} values in slots (a
 * {@code 2 x N/2} matrix whose rows rotate) and needs a prime {@code t = 1 mod 2N};
 * {@code COEFFICIENT} puts values in polynomial coefficients and allows any {@code t}, in
 * particular {@code 2^l} for the two-party linear layers.
 */
public enum BfvEncoding {
  BATCHING,
  COEFFICIENT
}
