package dev.oml.he;

import java.util.List;

/**
 * The two-party linear layer over {@code Z_t} with {@code t = 2^l} (Cheetah's coefficient
 * packing, BFV with coefficient encoding). The receiver R encrypts a vector {@code r} under its
 * own key ({@link #encryptQuery}); the sender S, holding a plaintext matrix {@code W} and a mask
 * {@code s}, computes {@code Enc(W r - s)} ({@link #answer}); R decrypts {@code W r - s}
 * ({@link #decryptAnswer}). The answer reveals nothing about {@code W} beyond {@code W r - s}
 * (statistically up to {@code 2^-kappa}, for a receiver that follows the protocol): a fresh
 * public-key encryption under R's key re-randomizes the components R could otherwise divide by
 * its own, every coefficient that is not a wanted output is masked by fresh uniform values,
 * smudging noise sized by {@link FloodingBudget} hides the evaluation noise, the answer is
 * switched down to the smallest modulus that still decrypts exactly, and only the output
 * coefficients of its first component are kept ({@link Ciphertext#isExtracted()}).
 */
public interface CoefficientMatVec {
  /** The layout for a {@code rows x cols} matrix (same for both parties). */
  MatVecLayout layout(int rows, int cols);

  /**
   * R: seeded symmetric encryptions of {@code r} (length {@code cols}), one per input block.
   * {@link #answer} accepts only such fresh seeded ciphertexts, whose noise its budget assumes.
   */
  List<Ciphertext> encryptQuery(Encryptor secretKeyEncryptor, MatVecLayout layout, long[] r);

  /**
   * S: {@code Enc(W r - s)}. {@code w} is {@code rows x cols}, {@code mask} has length
   * {@code rows}; entries are taken modulo {@code t}. {@code kappa} is the statistical
   * circuit-privacy parameter (at least 40 unless the parameters are marked insecure).
   */
  List<Ciphertext> answer(MatVecLayout layout, List<Ciphertext> query, long[][] w, long[] mask,
      PublicKey receiverKey, int kappa);

  /** R: the {@code rows} values {@code W r - s mod t}. */
  long[] decryptAnswer(Decryptor decryptor, MatVecLayout layout, List<Ciphertext> answer);
}
