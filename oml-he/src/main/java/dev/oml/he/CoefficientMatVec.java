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

  /**
   * The other direction (the owner of {@code W} encrypts, the holder of the vector evaluates):
   * seeded secret-key encryptions of the tiles of {@code W}, output block major (tile
   * {@code (o, j)} at index {@code o * inputCount + j}), each tile packed as {@link #answer}
   * packs it. Backends that do not offer it throw {@link IncompatibleOperandsException}.
   */
  default List<Ciphertext> encryptMatrix(Encryptor secretKeyEncryptor, MatVecLayout layout,
      long[][] w) {
    throw new IncompatibleOperandsException("this backend offers no encrypted-matrix product");
  }

  /**
   * The holder of {@code r}: {@code Enc(W r - s)} from the tiles {@link #encryptMatrix} made,
   * under the tiles' owner's public key, with the same circuit privacy as {@link #answer} (every
   * non-output coefficient masked, re-randomized, flooded at {@code kappa}, switched down,
   * extracted), so the owner's decryption shows it {@code W r - s} and nothing about {@code r}.
   * The tiles must be fresh seeded encryptions at the top level.
   */
  default List<Ciphertext> answerEncryptedMatrix(MatVecLayout layout, List<Ciphertext> tiles,
      long[] r, long[] mask, PublicKey ownerKey, int kappa) {
    throw new IncompatibleOperandsException("this backend offers no encrypted-matrix product");
  }

  /**
   * {@link #answer} in the compact form: the same flooded, re-randomized ciphertexts, switched
   * from the top level to {@code 2^}{@link FloodingBudget#compactBits()} instead of down the
   * chain, one {@link CompactAnswer} per output block. Backends that do not offer it throw
   * {@link IncompatibleOperandsException}.
   */
  default List<CompactAnswer> answerCompact(MatVecLayout layout, List<Ciphertext> query,
      long[][] w, long[] mask, PublicKey receiverKey, int kappa) {
    throw new IncompatibleOperandsException("this backend offers no compact answers");
  }

  /** {@link #answerEncryptedMatrix} in the compact form (see {@link #answerCompact}). */
  default List<CompactAnswer> answerEncryptedMatrixCompact(MatVecLayout layout,
      List<Ciphertext> tiles, long[] r, long[] mask, PublicKey ownerKey, int kappa) {
    throw new IncompatibleOperandsException("this backend offers no compact answers");
  }

  /**
   * The receiver of compact answers: the {@code rows} values {@code W r - s mod t}, from the
   * phase at the kept positions only (inner products of {@code c_1} with the ternary key).
   */
  default long[] decryptCompactAnswer(Decryptor decryptor, MatVecLayout layout,
      List<CompactAnswer> answer) {
    throw new IncompatibleOperandsException("this backend offers no compact answers");
  }

  /**
   * {@link #encryptQuery} at {@code level} instead of the top: fewer primes to send, as long as
   * {@link FloodingBudget#forMatVec(HeParameters, MatVecLayout, int, int)} at that level covers
   * the answer ({@link FloodingBudget#compactLevel}). Backends that do not offer it throw
   * {@link IncompatibleOperandsException}.
   */
  default List<Ciphertext> encryptQuery(Encryptor secretKeyEncryptor, MatVecLayout layout,
      long[] r, int level) {
    throw new IncompatibleOperandsException("this backend encrypts queries at the top level only");
  }

  /**
   * {@link #encryptMatrix} at {@code level} (see
   * {@link #encryptQuery(Encryptor, MatVecLayout, long[], int)}).
   */
  default List<Ciphertext> encryptMatrix(Encryptor secretKeyEncryptor, MatVecLayout layout,
      long[][] w, int level) {
    throw new IncompatibleOperandsException("this backend encrypts tiles at the top level only");
  }
}
