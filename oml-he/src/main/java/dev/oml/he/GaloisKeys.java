package dev.oml.he;

/**
 * Key-switching keys from {@code s(X^g)} to {@code s} for a set of Galois elements {@code g};
 * they enable row rotations (BFV batching) and slot rotations (CKKS) by the steps they were
 * generated for.
 */
public interface GaloisKeys extends HeObject {
  /** The Galois elements covered, ascending. */
  int[] galoisElements();
}
