package dev.oml.he;

/**
 * An RLWE ciphertext with its own metadata: scheme, level (index of the last prime still in its
 * modulus), scale (CKKS), number of components (2, or 3 after a multiplication before
 * relinearization), whether it is stored in NTT form, and whether it is a seeded fresh
 * symmetric encryption whose second component is serialized as a 32-byte seed (half the size),
 * and whether it is an extracted answer that keeps only some coefficients (for decryption only).
 * Ciphertexts are immutable: operations return new ones.
 */
public interface Ciphertext extends HeObject {
  HeScheme scheme();

  int level();

  double scale();

  int size();

  boolean isNttForm();

  boolean isSeeded();

  /**
   * True for an answer from which only some coefficients of the first component were kept
   * (the matrix-vector product's outputs): it can be decrypted, and only those coefficients
   * are meaningful, but it cannot be evaluated further.
   */
  boolean isExtracted();
}
