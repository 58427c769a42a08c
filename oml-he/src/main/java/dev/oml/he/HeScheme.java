package dev.oml.he;

/** The homomorphic schemes: BFV (exact integers modulo {@code t}) and CKKS (approximate reals). */
public enum HeScheme {
  BFV,
  CKKS
}
