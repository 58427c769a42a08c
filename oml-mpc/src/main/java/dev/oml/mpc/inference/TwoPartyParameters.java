package dev.oml.mpc.inference;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.he.BfvEncoding;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.PredefinedParameters;
import java.util.Objects;

/**
 * The public parameters both parties of two-party inference must agree on: the BFV parameters
 * of the offline cross products (plaintext modulus {@code 2^l} of the model's ring, coefficient
 * encoding) and the statistical circuit-privacy parameter {@code kappa} with which every HE
 * answer is flooded. {@link #standard(FixedPointFormat)} gives the vetted 128-bit set at
 * {@code kappa = 40}; parameters marked insecure (and smaller {@code kappa}) exist only so that
 * statistical tests can see a difference. Immutable; validated at construction.
 */
public final class TwoPartyParameters {
  /** The smallest kappa accepted for parameters not marked insecure. */
  public static final int MIN_KAPPA = 40;

  private final HeParameters he;
  private final int kappa;

  private TwoPartyParameters(HeParameters he, int kappa) {
    this.he = he;
    this.kappa = kappa;
  }

  /** N = 8192 BFV with {@code t = 2^l} ({@link PredefinedParameters#bfvTwoParty}), kappa 40. */
  public static TwoPartyParameters standard(FixedPointFormat format) {
    return new TwoPartyParameters(PredefinedParameters.bfvTwoParty(format.ringBits(), MIN_KAPPA),
        MIN_KAPPA);
  }

  /**
   * Explicit parameters.
   *
   * @throws IllegalArgumentException if {@code he} is not BFV with coefficient encoding and a
   *     power-of-two plaintext modulus, or {@code kappa} is below 40 for parameters not marked
   *     insecure
   */
  public static TwoPartyParameters of(HeParameters he, int kappa) {
    Objects.requireNonNull(he, "he");
    if (he.scheme() != HeScheme.BFV || he.bfvEncoding() != BfvEncoding.COEFFICIENT
        || Long.bitCount(he.plainModulus()) != 1) {
      throw new IllegalArgumentException("two-party inference needs BFV with coefficient encoding"
          + " and plaintext modulus 2^l; got " + he.name());
    }
    if (kappa < 1 || (kappa < MIN_KAPPA && !he.isInsecure())) {
      throw new IllegalArgumentException("kappa = " + kappa + " is below " + MIN_KAPPA
          + "; only parameters marked insecure accept it");
    }
    return new TwoPartyParameters(he, kappa);
  }

  public HeParameters he() {
    return he;
  }

  public int kappa() {
    return kappa;
  }

  /** The ring width {@code l} these parameters carry ({@code t = 2^l}). */
  public int ringBits() {
    return he.plainModulusLog2();
  }

  /**
   * Checks that these parameters carry {@code format}'s ring.
   *
   * @throws IllegalArgumentException if {@code 2^l} differs from the plaintext modulus
   */
  public void requireRing(FixedPointFormat format) {
    if (format.ringBits() != ringBits()) {
      throw new IllegalArgumentException("the HE plaintext modulus is 2^" + ringBits()
          + " but the model's ring is 2^" + format.ringBits() + "; use parameters for l = "
          + format.ringBits());
    }
  }

  @Override
  public String toString() {
    return "TwoPartyParameters[" + he.name() + ", kappa=" + kappa + "]";
  }
}
