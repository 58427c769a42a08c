package dev.oml.he;

import java.math.BigInteger;

/** Decrypts ciphertexts of any size and level with the secret key. */
public interface Decryptor {
  Plaintext decrypt(Ciphertext ciphertext);

  /**
   * The centered phase {@code c_0 + c_1 s (+ c_2 s^2) mod Q_level} per coefficient: the scaled
   * message plus noise. For noise analysis by the key owner; it is what decryption rounds.
   */
  BigInteger[] phase(Ciphertext ciphertext);
}
