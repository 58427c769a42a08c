package dev.oml.he;

/**
 * BFV encoding. With batching, {@code N} values modulo {@code t} fill a {@code 2 x N/2} matrix
 * of slots whose rows rotate under Galois automorphisms, and products are slot-wise. With
 * coefficient encoding, values are the polynomial's coefficients and products are negacyclic
 * convolutions, which the matrix-vector product uses. Values are reduced modulo {@code t}.
 */
public interface BfvEncoder {
  /** Up to {@code N} values, reduced modulo {@code t}; missing ones are zero. */
  Plaintext encode(long[] values);

  /** All {@code N} values in {@code [0, t)}. */
  long[] decode(Plaintext plaintext);

  int slotCount();
}
