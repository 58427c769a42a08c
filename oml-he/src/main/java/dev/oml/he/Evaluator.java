package dev.oml.he;

import java.util.ArrayList;
import java.util.List;

/**
 * Homomorphic operations. Inputs are never modified. Binary operations need operands at the
 * same level (and, for CKKS, the same scale) and throw {@link IncompatibleOperandsException}
 * otherwise; CKKS products multiply scales and {@link #rescale} divides by the last prime.
 */
public interface Evaluator {
  Ciphertext add(Ciphertext a, Ciphertext b);

  Ciphertext sub(Ciphertext a, Ciphertext b);

  Ciphertext negate(Ciphertext a);

  Ciphertext addPlain(Ciphertext a, Plaintext p);

  Ciphertext multiplyPlain(Ciphertext a, Plaintext p);

  /** Tensor product: a ciphertext with three components. */
  Ciphertext multiply(Ciphertext a, Ciphertext b);

  Ciphertext relinearize(Ciphertext a, RelinKeys keys);

  Ciphertext multiplyAndRelinearize(Ciphertext a, Ciphertext b, RelinKeys keys);

  /** BFV batching: rotate both rows left by {@code steps}. */
  Ciphertext rotateRows(Ciphertext a, int steps, GaloisKeys keys);

  /** CKKS: rotate the slots left by {@code steps}. */
  Ciphertext rotate(Ciphertext a, int steps, GaloisKeys keys);

  /**
   * CKKS: rotations of one ciphertext by several steps (element {@code k} equals
   * {@code rotate(a, steps[k], keys)}), sharing the expensive decomposition of the key switch
   * (hoisting), as baby-step giant-step matrix products need.
   */
  java.util.List<Ciphertext> rotateHoisted(Ciphertext a, int[] steps, GaloisKeys keys);

  /**
   * CKKS: complex conjugation of every slot (the automorphism {@code X -> X^(2N-1)}), with a key
   * from {@link KeyGenerator#createGaloisKeysWithConjugation}. {@code a + conjugate(a)} is twice
   * the real part, which is how an evaluator discards whatever a sender put in imaginary parts.
   * Backends that do not offer it throw {@link IncompatibleOperandsException}.
   */
  default Ciphertext conjugate(Ciphertext a, GaloisKeys keys) {
    throw new IncompatibleOperandsException("this backend offers no conjugation");
  }

  /**
   * An evaluator over the same context that may spend up to {@code threads} threads inside one
   * CKKS key switch ({@link #rotate}, {@link #rotateHoisted}, {@link #conjugate}), for the
   * latency of a single ciphertext; its results are this evaluator's to the last residue.
   * Backends that cannot split a key switch return this evaluator ({@link #keySwitchThreads}
   * tells which).
   */
  default Evaluator withKeySwitchThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, not " + threads);
    }
    return this;
  }

  /** The threads one key switch of this evaluator may use (see {@link #withKeySwitchThreads}). */
  default int keySwitchThreads() {
    return 1;
  }

  /** CKKS: divide by the last prime, dropping one level and dividing the scale by it. */
  Ciphertext rescale(Ciphertext a);

  /**
   * Switch to the next lower level; the message is unchanged and bytes shrink. BFV divides by
   * the dropped prime with rounding; CKKS only drops it (scale unchanged), to align levels.
   */
  Ciphertext modSwitchToNext(Ciphertext a);

  /** Switch down to {@code level} (repeated {@link #modSwitchToNext}). */
  Ciphertext modSwitchTo(Ciphertext a, int level);

  /**
   * Circuit privacy: adds a fresh public-key encryption of zero under the receiver's key (so
   * the components no longer depend on the evaluated plaintexts) and uniform smudging noise of
   * {@code budget.floodBound()} to the first component. The budget must be for this scheme
   * (for CKKS, made by {@link FloodingBudget#forCkks} for the ciphertext's level).
   */
  Ciphertext rerandomize(Ciphertext a, PublicKey receiverKey, FloodingBudget budget);

  /**
   * Many products {@code a[i] * p[i]} at once. A native backend does them in one call across
   * its boundary; the default loops over {@link #multiplyPlain(Ciphertext, Plaintext)}.
   */
  default List<Ciphertext> multiplyPlain(List<? extends Ciphertext> a, List<? extends Plaintext> p) {
    if (a.size() != p.size()) {
      throw new IllegalArgumentException(a.size() + " ciphertexts but " + p.size() + " plaintexts");
    }
    List<Ciphertext> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      out.add(multiplyPlain(a.get(i), p.get(i)));
    }
    return out;
  }

  /**
   * The inner product {@code sum_i a[i] * p[i]} (at least one term; all products at one level
   * and scale): the shape of a diagonal matrix-vector product. The default adds the products of
   * {@link #multiplyPlain(List, List)}; a backend may accumulate in place instead, without a
   * ciphertext per product.
   */
  default Ciphertext multiplyPlainSum(List<? extends Ciphertext> a, List<? extends Plaintext> p) {
    if (a.isEmpty()) {
      throw new IllegalArgumentException("an inner product needs at least one term");
    }
    List<Ciphertext> products = multiplyPlain(a, p);
    Ciphertext sum = products.get(0);
    for (int i = 1; i < products.size(); i++) {
      sum = add(sum, products.get(i));
    }
    return sum;
  }

  /**
   * Several inner products over the same ciphertexts, the shape of the giant-step groups of a
   * baby-step giant-step matrix product: for every row {@code j} of {@code p} (each of
   * {@code a.size()} entries), {@code sum_i a[i] * p[j][i]} over the {@code i} whose plaintext
   * is not null, or null for a row with none. Each row is as {@link #multiplyPlainSum} makes
   * it, to the last residue; a backend may compute all rows in one pass over the ciphertexts,
   * and with {@link #withKeySwitchThreads} on several threads. The default calls
   * {@link #multiplyPlainSum} per row.
   */
  default List<Ciphertext> multiplyPlainSums(List<? extends Ciphertext> a, Plaintext[][] p) {
    List<Ciphertext> out = new ArrayList<>(p.length);
    for (Plaintext[] row : p) {
      if (row.length != a.size()) {
        throw new IllegalArgumentException(a.size() + " ciphertexts but a row of " + row.length
            + " plaintexts");
      }
      List<Ciphertext> terms = new ArrayList<>(row.length);
      List<Plaintext> diagonals = new ArrayList<>(row.length);
      for (int i = 0; i < row.length; i++) {
        if (row[i] != null) {
          terms.add(a.get(i));
          diagonals.add(row[i]);
        }
      }
      out.add(terms.isEmpty() ? null : multiplyPlainSum(terms, diagonals));
    }
    return out;
  }

  /**
   * CKKS: for every row {@code j} of {@code weights}, the sum {@code sum_i c[j][i] * a[i]} with
   * the constants {@code c[j][i] = round(weights[j][i] * constantScale)} (a constant plaintext
   * in every slot): the dense layer of the one-image-per-slot packing, with no rotation. The
   * operands share one level and scale and have size two; the results have scale
   * {@code a.scale() * constantScale}. Zero weights are skipped. A backend may accumulate the
   * products lazily, with one reduction per output coefficient; backends without this
   * operation throw {@link IncompatibleOperandsException}.
   *
   * @throws IllegalArgumentException if a row does not have one weight per ciphertext, or a
   *     weight times {@code constantScale} does not fit 63 bits
   */
  default List<Ciphertext> multiplyConstantSums(List<? extends Ciphertext> a, double[][] weights,
      double constantScale) {
    throw new IncompatibleOperandsException("this backend offers no sums of constant products");
  }
}
