package dev.oml.he;

/**
 * A parameter set instantiated by one backend: the factory of key generators, encryptors,
 * decryptors, encoders, the evaluator, the serializer and the matrix-vector product. Every
 * method checks that the objects it receives were made under the same parameters by the same
 * backend and throws {@link ContextMismatchException} otherwise. Contexts are thread-safe.
 */
public interface HeContext {
  HeParameters parameters();

  HeBackend backend();

  /** A key generator with a fresh secret key. */
  KeyGenerator keyGenerator();

  /** A key generator for more keys of an existing secret key. */
  KeyGenerator keyGenerator(SecretKey secretKey);

  /** Public-key encryption (anyone may encrypt to the owner). */
  Encryptor encryptor(PublicKey publicKey);

  /** Secret-key encryption; offers seeded, half-size ciphertexts. */
  Encryptor encryptor(SecretKey secretKey);

  Decryptor decryptor(SecretKey secretKey);

  Evaluator evaluator();

  /** BFV encoder (batching or coefficient, as the parameters say). */
  BfvEncoder bfvEncoder();

  /** CKKS encoder (canonical embedding, {@code N/2} complex slots). */
  CkksEncoder ckksEncoder();

  HeSerializer serializer();

  /** The coefficient-encoded matrix-vector product over {@code Z_t} (BFV, coefficient encoding). */
  CoefficientMatVec coefficientMatVec();

  /**
   * The ciphertext's components in coefficient form, {@code [component][prime][coefficient]},
   * canonical residues. Ciphertexts are public, so this reveals nothing; it exists for analysis
   * and for tests that play the attacker.
   */
  long[][][] exportComponents(Ciphertext ciphertext);
}
