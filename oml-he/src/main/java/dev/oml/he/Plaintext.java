package dev.oml.he;

/**
 * An encoded plaintext. BFV plaintexts are polynomials modulo {@code t} (level-free); CKKS
 * plaintexts are RNS polynomials at a level with a scale, usable against ciphertexts at that
 * level or below.
 */
public interface Plaintext extends HeObject {
  HeScheme scheme();

  /** CKKS level; for BFV the top level. */
  int level();

  /** CKKS scale; 1 for BFV. */
  double scale();
}
