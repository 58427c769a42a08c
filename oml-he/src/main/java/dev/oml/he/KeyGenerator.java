package dev.oml.he;

/**
 * Generates a secret key (ternary, from a fresh {@code SecureRandom} seed) and the public,
 * relinearization and Galois keys derived from it.
 */
public interface KeyGenerator {
  SecretKey secretKey();

  PublicKey createPublicKey();

  /** Needs a special prime in the parameters. */
  RelinKeys createRelinKeys();

  /**
   * Keys for rotations by these steps (BFV: row rotations; CKKS: slot rotations; positive is
   * to the left). Needs a special prime in the parameters.
   */
  GaloisKeys createGaloisKeys(int... steps);

  /**
   * CKKS: Galois keys for these slot rotations and, in the same object, for complex conjugation
   * (Galois element {@code 2N - 1}), which {@link Evaluator#conjugate} needs. Backends that do
   * not offer conjugation throw {@link IncompatibleOperandsException}.
   */
  default GaloisKeys createGaloisKeysWithConjugation(int... steps) {
    throw new IncompatibleOperandsException("this backend offers no conjugation keys");
  }
}
