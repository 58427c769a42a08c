package dev.oml.he;

/**
 * Encrypts plaintexts at the top level, with a public key or with the secret key. Noise comes
 * from a centered binomial distribution (standard deviation about 3.24, bounded by 21), the
 * public-key randomness {@code u} is ternary; all randomness is drawn from generators seeded by
 * {@code SecureRandom}.
 */
public interface Encryptor {
  Ciphertext encrypt(Plaintext plaintext);

  /**
   * A secret-key encryption whose uniform component is derived from a public 32-byte seed, so
   * its serialized form is half the size; only for an encryptor made with a secret key.
   */
  Ciphertext encryptSeeded(Plaintext plaintext);

  boolean isSymmetric();
}
