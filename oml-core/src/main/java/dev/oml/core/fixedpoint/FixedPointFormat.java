package dev.oml.core.fixedpoint;

/**
 * A two's-complement fixed-point format over the ring {@code Z_2^l} with {@code f} fractional
 * bits: the real number {@code x} is represented by the ring element {@code round(x * 2^f) mod
 * 2^l}, and a ring element {@code v} stands for {@code signed(v) / 2^f}, where
 * {@code signed(v)} is the representative of {@code v} in {@code [-2^(l-1), 2^(l-1))}.
 *
 * <p>Ring elements are held in a {@code long} in canonical form {@code [0, 2^l)}. Because
 * {@code 2^l} divides {@code 2^64}, ordinary {@code long} addition, subtraction and
 * multiplication followed by {@link #reduce(long)} compute exactly in the ring; this is how
 * secret shares are combined, and why shares wrap by design.
 *
 * <p>A product of two values carries {@code 2f} fractional bits; {@link #truncate(long)} brings
 * it back to {@code f}. Its semantics are fixed here because the two-party protocol must
 * reproduce them bit for bit: take the signed representative, divide by {@code 2^f} rounding
 * toward negative infinity (an arithmetic right shift), reduce mod {@code 2^l}.
 *
 * <p>Instances are immutable; {@code 16 <= l <= 60} (so that the ring fits a BFV plaintext
 * modulus) and {@code 1 <= f} with {@code 2f + 2 <= l}.
 */
public final class FixedPointFormat {
  /** Smallest ring width accepted. */
  public static final int MIN_RING_BITS = 16;
  /** Largest ring width accepted: BFV must carry {@code 2^l} as its plaintext modulus. */
  public static final int MAX_RING_BITS = 60;

  private final int ringBits;
  private final int fractionalBits;
  private final long mask;
  private final long halfModulus;
  private final double scale;

  private FixedPointFormat(int ringBits, int fractionalBits) {
    this.ringBits = ringBits;
    this.fractionalBits = fractionalBits;
    this.mask = (1L << ringBits) - 1;
    this.halfModulus = 1L << (ringBits - 1);
    this.scale = Math.scalb(1.0, fractionalBits);
  }

  /**
   * Returns the format with ring width {@code l} and {@code f} fractional bits.
   *
   * @throws IllegalArgumentException if {@code l} is outside {@code [16, 60]}, {@code f < 1},
   *     or {@code 2f + 2 > l} (a single product would not fit)
   */
  public static FixedPointFormat of(int l, int f) {
    if (l < MIN_RING_BITS || l > MAX_RING_BITS) {
      throw new IllegalArgumentException(
          "ring width l=" + l + " is outside [" + MIN_RING_BITS + ", " + MAX_RING_BITS + "]");
    }
    if (f < 1) {
      throw new IllegalArgumentException("fractional bits f=" + f + " must be at least 1");
    }
    if (2 * f + 2 > l) {
      throw new IllegalArgumentException(
          "format (l=" + l + ", f=" + f + ") cannot hold one product: need l >= 2f + 2 = "
              + (2 * f + 2));
    }
    return new FixedPointFormat(l, f);
  }

  /** The ring width {@code l}. */
  public int ringBits() {
    return ringBits;
  }

  /** The number of fractional bits {@code f}. */
  public int fractionalBits() {
    return fractionalBits;
  }

  /** {@code 2^l - 1}: AND with it to reduce a {@code long} into the ring. */
  public long mask() {
    return mask;
  }

  /** {@code 2^f} as a double. */
  public double scale() {
    return scale;
  }

  /** Largest signed value, {@code 2^(l-1) - 1}. */
  public long maxSigned() {
    return halfModulus - 1;
  }

  /** Smallest signed value, {@code -2^(l-1)}. */
  public long minSigned() {
    return -halfModulus;
  }

  /** Reduces any {@code long} into canonical form {@code [0, 2^l)}. */
  public long reduce(long v) {
    return v & mask;
  }

  /** The signed representative of a ring element, in {@code [-2^(l-1), 2^(l-1))}. */
  public long signed(long v) {
    long r = v & mask;
    return r >= halfModulus ? r - (mask + 1) : r;
  }

  /** True when the (exact, unreduced) integer {@code v} is representable without wrapping. */
  public boolean fitsSigned(long v) {
    return v >= -halfModulus && v < halfModulus;
  }

  /**
   * Encodes a real number at {@code f} fractional bits, rounding half away from zero.
   *
   * @throws FixedPointOverflowException if the value is not finite or does not fit
   */
  public long encode(double x) {
    return encodeScaled(x, fractionalBits);
  }

  /**
   * Encodes a real number at {@code bits} fractional bits (biases enter at {@code 2f}).
   *
   * @throws FixedPointOverflowException if the value is not finite or does not fit
   */
  public long encodeScaled(double x, int bits) {
    if (!Double.isFinite(x)) {
      throw new FixedPointOverflowException("cannot encode a non-finite value in " + this);
    }
    double scaled = Math.rint(Math.scalb(x, bits));
    if (scaled < -halfModulus || scaled >= halfModulus) {
      throw new FixedPointOverflowException(
          "value of magnitude 2^" + Math.getExponent(x) + " at " + bits
              + " fractional bits does not fit " + this);
    }
    return reduce((long) scaled);
  }

  /** Decodes a ring element at {@code f} fractional bits. */
  public double decode(long v) {
    return decodeScaled(v, fractionalBits);
  }

  /** Decodes a ring element at {@code bits} fractional bits. */
  public double decodeScaled(long v, int bits) {
    return Math.scalb((double) signed(v), -bits);
  }

  /**
   * Truncates by {@code f} bits: {@code reduce(floor(signed(v) / 2^f))}. For a product of two
   * encoded values the result differs from the exact rescaled product by less than one unit in
   * the last place ({@code 2^-f}), always toward negative infinity.
   */
  public long truncate(long v) {
    return reduce(signed(v) >> fractionalBits);
  }

  /** Largest quantization error of {@link #encode(double)}: {@code 2^-(f+1)}. */
  public double resolution() {
    return Math.scalb(1.0, -fractionalBits);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FixedPointFormat other
        && other.ringBits == ringBits
        && other.fractionalBits == fractionalBits;
  }

  @Override
  public int hashCode() {
    return 31 * ringBits + fractionalBits;
  }

  @Override
  public String toString() {
    return "FixedPointFormat(l=" + ringBits + ", f=" + fractionalBits + ")";
  }
}
