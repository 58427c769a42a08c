package dev.oml.core.field;

/**
 * The signed fixed-point embedding into {@link PrimeField}: a real {@code x} with {@code f}
 * fractional bits is the integer {@code v = round(x 2^f)}, and {@code v} is the residue
 * {@code v mod p}. Decoding takes the centered residue: {@code r <= (p - 1) / 2} is {@code r},
 * larger {@code r} is {@code r - p}. Sums and products of embedded integers are exact as long as
 * the true integer result stays in {@code [-(p - 1) / 2, (p - 1) / 2]}, about {@code +-2^45}.
 *
 * <p>Truncation. After a product the scale is {@code 2^(2f)}; the value is brought back by
 * {@code floor(v / 2^f)}. Local truncation of additive shares (SecureML) is only probabilistic and
 * off by one, and a one-bit error is indistinguishable from a forged shift, so tier 2 truncates
 * exactly inside the garbled ReLU circuit: given shares {@code a, b} of {@code z}, the circuit
 * computes {@code s = a + b}, subtracts {@code p} if {@code s >= p}, reads the sign from
 * {@code s > (p - 1) / 2}, and shifts the centered value arithmetically, which is the floor for
 * negative values too. {@link #truncate(long, long, int)} is that function in the clear, the
 * oracle a circuit implementation is tested against.
 */
public final class FieldFixedPoint {
  /** Largest magnitude of an embedded integer: {@code (p - 1) / 2}. */
  public static final long MAX_MAGNITUDE = (PrimeField.P - 1) / 2;

  private FieldFixedPoint() {}

  /**
   * Embeds a signed integer.
   *
   * @throws FieldElementException if {@code |v| > (p - 1) / 2}
   */
  public static long embed(long v) {
    if (v > MAX_MAGNITUDE || v < -MAX_MAGNITUDE) {
      throw new FieldElementException("a fixed-point integer must lie in [-(p-1)/2, (p-1)/2]"
          + "; use fewer fractional bits or smaller values");
    }
    return v < 0 ? v + PrimeField.P : v;
  }

  /** The centered residue of a field element, in {@code [-(p - 1) / 2, (p - 1) / 2]}. */
  public static long center(long r) {
    return r > MAX_MAGNITUDE ? r - PrimeField.P : r;
  }

  /**
   * Embeds a real with {@code f} fractional bits, rounding to nearest.
   *
   * @throws FieldElementException if the scaled value does not fit
   */
  public static long encode(double x, int f) {
    checkF(f);
    double s = Math.rint(x * Math.scalb(1.0, f));
    if (!(Math.abs(s) <= MAX_MAGNITUDE)) {
      throw new FieldElementException("value does not fit the field at " + f
          + " fractional bits; use fewer fractional bits or smaller values");
    }
    return embed((long) s);
  }

  /** The real a field element stands for at {@code f} fractional bits. */
  public static double decode(long r, int f) {
    checkF(f);
    return Math.scalb((double) center(r), -f);
  }

  /**
   * The exact floor truncation by {@code f} bits of the value shared as {@code a + b}:
   * {@code floor(center(a + b) / 2^f)}, embedded again.
   */
  public static long truncate(long a, long b, int f) {
    checkF(f);
    return embed(center(PrimeField.add(a, b)) >> f);
  }

  private static void checkF(int f) {
    if (f < 0 || f >= PrimeField.BITS - 1) {
      throw new IllegalArgumentException("fractional bits must be in [0, 44]");
    }
  }
}
