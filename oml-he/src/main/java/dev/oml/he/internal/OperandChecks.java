package dev.oml.he.internal;

import dev.oml.he.Ciphertext;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.FloodingBudget;
import dev.oml.he.HeObject;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.NoiseBudgetException;
import dev.oml.he.Plaintext;
import java.util.Objects;

/**
 * The one validation layer both backends call before they compute: which context an object
 * belongs to (parameters and backend), the scheme an operation needs, levels, scales and sizes of
 * operands, and whether a flooding budget fits the ciphertext it floods. It reads only the
 * public metadata of {@link Ciphertext} and {@link Plaintext}, so a refusal has the same type and
 * message on every backend, and SEAL never sees an operand the pure-Java engine would refuse
 * (the native layer still checks again, as a second line).
 */
public final class OperandChecks {
  private final HeParameters params;

  public OperandChecks(HeParameters params) {
    this.params = Objects.requireNonNull(params, "params");
  }

  public HeParameters parameters() {
    return params;
  }

  /**
   * {@code o} cast to the backend's own {@code type}, after checking that it is not null and was
   * made under this context's parameters.
   */
  public <T> T own(HeObject o, Class<T> type, String what) {
    if (o == null) {
      throw new NullPointerException(what);
    }
    if (!params.parameterId().equals(o.parameterId())) {
      throw new ContextMismatchException(what + " made under parameters " + o.parameterId()
          + ", this context has " + params.parameterId() + " (" + params.name() + ")");
    }
    if (!type.isInstance(o)) {
      throw new ContextMismatchException(what + " made by another backend");
    }
    return type.cast(o);
  }

  /** A ciphertext that can be evaluated: an extracted answer can only be decrypted. */
  public void evaluable(Ciphertext c) {
    if (c.isExtracted()) {
      throw new IncompatibleOperandsException(
          "an extracted answer can only be decrypted, not evaluated");
    }
  }

  public void requireScheme(HeScheme s, String op) {
    if (params.scheme() != s) {
      throw new IncompatibleOperandsException(op + " needs " + s + ", parameters are "
          + params.scheme());
    }
  }

  public void requireKeySwitching(String what) {
    if (!params.supportsKeySwitching()) {
      throw new IncompatibleOperandsException(
          what + " needs a special prime in the parameters (specialPrimeBits)");
    }
  }

  public void sameLevel(Ciphertext a, Ciphertext b) {
    if (a.level() != b.level()) {
      throw new IncompatibleOperandsException("operands at levels " + a.level() + " and "
          + b.level() + ": switch one down first");
    }
  }

  /** Same level and, for CKKS, the same scale (to a relative {@code 1e-9}). */
  public void sameLevelAndScale(Ciphertext a, Ciphertext b) {
    sameLevel(a, b);
    sameScale(a.scale(), b.scale());
  }

  public void sameScale(double x, double y) {
    if (params.scheme() == HeScheme.CKKS && Math.abs(x - y) > 1e-9 * Math.max(x, y)) {
      throw new IncompatibleOperandsException(String.format(
          "operands at scales 2^%.3f and 2^%.3f: rescale to match first",
          Math.log(x) / Math.log(2), Math.log(y) / Math.log(2)));
    }
  }

  /**
   * A plaintext usable against {@code c}: the same scheme and, for CKKS, encoded at the
   * ciphertext's level or above ({@code scaled}: added, so the scales must match too).
   */
  public void plainFits(Ciphertext c, Plaintext p, boolean added) {
    if (p.scheme() != c.scheme()) {
      throw new IncompatibleOperandsException("plaintext and ciphertext of different schemes");
    }
    if (c.scheme() == HeScheme.CKKS) {
      if (p.level() < c.level()) {
        throw new IncompatibleOperandsException("plaintext at level " + p.level()
            + " below the ciphertext's level " + c.level() + ": encode at the ciphertext's level");
      }
      if (added) {
        sameScale(c.scale(), p.scale());
      }
    }
  }

  /** Rotations, conjugation, products and re-randomization take relinearized operands. */
  public void sizeTwo(Ciphertext c, String op) {
    if (c.size() != 2) {
      throw new IncompatibleOperandsException(op + " needs a relinearized (size-2) ciphertext");
    }
  }

  /** Rescaling and modulus switching drop the last prime, so level 0 has nothing to drop. */
  public void aboveLevelZero(Ciphertext c, String op) {
    if (c.level() == 0) {
      throw new IncompatibleOperandsException("ciphertext at level 0: " + op + " needs a prime "
          + "to drop");
    }
  }

  public void switchTarget(Ciphertext c, int level) {
    if (level < 0 || level > c.level()) {
      throw new IncompatibleOperandsException(
          "cannot switch from level " + c.level() + " to level " + level);
    }
  }

  /**
   * A flooding budget made for these parameters, this scheme and (CKKS) the ciphertext's level,
   * with kappa at least the parameters' minimum unless its caller stated a smaller one
   * ({@link FloodingBudget#isStatedBelowMinimum()}).
   */
  public void floodingBudget(FloodingBudget budget, Ciphertext c) {
    Objects.requireNonNull(budget, "budget");
    if (!budget.parameterId().equals(params.parameterId())) {
      throw new ContextMismatchException(
          "flooding budget computed for other parameters than " + params.name());
    }
    if (budget.scheme() != params.scheme()) {
      throw new IncompatibleOperandsException("flooding budget made for another scheme");
    }
    sizeTwo(c, "rerandomize");
    if (c.scheme() == HeScheme.CKKS && budget.answerLevel() != c.level()) {
      throw new IncompatibleOperandsException("CKKS flooding budget sized for level "
          + budget.answerLevel() + ", ciphertext at level " + c.level());
    }
    if (budget.kappa() < params.minimumKappa() && !budget.isStatedBelowMinimum()) {
      throw new NoiseBudgetException("kappa below " + params.minimumKappa()
          + " for secure parameters");
    }
  }
}
