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

  /**
   * The public key's two components in coefficient form over the data primes,
   * {@code [component][prime][coefficient]}, canonical residues: how another backend takes the
   * key ({@link #importPublicKey}). Public, so this reveals nothing. Backends that do not offer
   * it throw {@link IncompatibleOperandsException}.
   */
  default long[][][] exportPublicKey(PublicKey publicKey) {
    throw new IncompatibleOperandsException("this backend does not export public keys");
  }

  /**
   * A public key of this backend from another backend's {@link #exportPublicKey}. Backends
   * that do not offer it throw {@link IncompatibleOperandsException}.
   */
  default PublicKey importPublicKey(long[][][] components) {
    throw new IncompatibleOperandsException("this backend does not import public keys");
  }

  /**
   * A ciphertext of this backend from another backend's {@link #exportComponents} of a fresh
   * seeded secret-key encryption at {@code level} (BFV, two components), to be an operand of
   * {@link CoefficientMatVec#answerCompact} or
   * {@link CoefficientMatVec#answerEncryptedMatrixCompact}. The caller vouches for the
   * freshness, which the flooding budget assumes: it checks that the ciphertext it received
   * was in the seeded form ({@link Ciphertext#isSeeded()}) before it exports it. Backends that
   * do not offer it throw {@link IncompatibleOperandsException}.
   */
  default Ciphertext importOperand(long[][][] components, int level) {
    throw new IncompatibleOperandsException("this backend does not import operands");
  }

  /**
   * The ciphertext's components in NTT form, {@code [component][prime][evaluation]}: index
   * {@code i} of a prime's row holds the polynomial's value at {@code psi^(2 bitrev(i) + 1)},
   * {@code psi} the smallest primitive {@code 2N}-th root of unity modulo that prime (the order
   * of the pure-Java engine and of SEAL), canonical residues; for another backend's
   * {@link #importOperandNtt}, which then needs no transform of its own. Public, so this reveals
   * nothing. Backends or ciphertexts without that form throw
   * {@link IncompatibleOperandsException}.
   */
  default long[][][] exportNttComponents(Ciphertext ciphertext) {
    throw new IncompatibleOperandsException("this backend does not export the NTT form");
  }

  /**
   * {@link #importOperand} from {@link #exportNttComponents}'s form: the same operand, with
   * the same caller's guarantee of freshness. Backends that do not offer it throw
   * {@link IncompatibleOperandsException}.
   */
  default Ciphertext importOperandNtt(long[][][] components, int level) {
    throw new IncompatibleOperandsException("this backend does not import the NTT form");
  }
}
