package dev.oml.mpc.auth;

import dev.oml.core.field.FieldElementException;
import dev.oml.core.field.MacKeyDerivation;
import dev.oml.core.field.PrimeField;
/**
 * The owner's global MAC key {@code alpha}, a uniform nonzero element of {@link PrimeField}. With
 * it the owner holds, for every value {@code v} the licensee holds, a key {@code K} such that the
 * licensee's tag is {@code M = K + alpha v} (see {@link AuthenticatedVector}). Knowing
 * {@code alpha} would let the licensee forge every tag, so it never leaves the owner: it is
 * derived from {@code k_O} ({@link MacKeyDerivation}), it is the {@code Delta} of the VOLE that
 * authenticates the licensee's masks, and it is the scale of the SIMC label tables. Secret
 * material: no {@code equals}, {@code hashCode} or {@code toString} that shows it.
 */
public final class MacKey {
  private final long alpha;

  /**
   * Wraps {@code alpha}.
   *
   * @throws FieldElementException if {@code alpha} is 0 or not canonical
   */
  public MacKey(long alpha) {
    if (alpha == 0 || !PrimeField.isCanonical(alpha)) {
      throw new FieldElementException("a MAC key must be a nonzero element of F_p");
    }
    this.alpha = alpha;
  }

  /** The owner's key {@code alpha} derived from its seed (see {@link MacKeyDerivation}). */
  public static MacKey derive(MacKeyDerivation derivation) {
    return new MacKey(derivation.alpha());
  }

  /** The key {@code alpha}; the owner's code only. */
  public long alpha() {
    return alpha;
  }

  @Override
  public String toString() {
    return "MacKey[secret]";
  }
}
