package dev.oml.core.fixedpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class FixedPointFormatProperties {

  @Provide
  Arbitrary<FixedPointFormat> formats() {
    return Arbitraries.integers().between(16, 60).flatMap(l ->
        Arbitraries.integers().between(1, (l - 2) / 2).map(f -> FixedPointFormat.of(l, f)));
  }

  @Property
  void encodeDecodeRoundTripsWithinHalfAnUlp(@ForAll("formats") FixedPointFormat fmt,
      @ForAll @DoubleRange(min = -1, max = 1) double unit) {
    // Scale into the representable range of this format.
    double max = Math.scalb(1.0, fmt.ringBits() - fmt.fractionalBits() - 2);
    double x = unit * max;
    double back = fmt.decode(fmt.encode(x));
    assertTrue(Math.abs(back - x) <= Math.scalb(1.0, -fmt.fractionalBits() - 1),
        () -> x + " came back as " + back + " in " + fmt);
  }

  @Property
  void ringLawsHoldAgainstBigIntegerArithmetic(@ForAll("formats") FixedPointFormat fmt,
      @ForAll long a, @ForAll long b, @ForAll long c) {
    BigInteger mod = BigInteger.ONE.shiftLeft(fmt.ringBits());
    long[] x = {a, b, c};
    long[] y = {b, c, a};
    long[] sum = RingOps.add(fmt.ringBits(), x, y, null);
    long[] prod = RingOps.multiply(fmt.ringBits(), x, y, null);
    long[] diff = RingOps.subtract(fmt.ringBits(), x, y, null);
    for (int i = 0; i < 3; i++) {
      BigInteger bx = BigInteger.valueOf(x[i]);
      BigInteger by = BigInteger.valueOf(y[i]);
      assertEquals(bx.add(by).mod(mod).longValueExact(), sum[i]);
      assertEquals(bx.multiply(by).mod(mod).longValueExact(), prod[i]);
      assertEquals(bx.subtract(by).mod(mod).longValueExact(), diff[i]);
    }
    // Distributivity and additive inverse in the ring.
    long m = fmt.mask();
    assertEquals((a * (b + c)) & m, ((a * b) & m) + ((a * c) & m) & m);
    assertEquals(0, (fmt.reduce(a) + RingOps.negate(fmt.ringBits(), new long[] {a}, null)[0]) & m);
  }

  @Property
  void signedIsTheCanonicalRepresentative(@ForAll("formats") FixedPointFormat fmt, @ForAll long v) {
    long s = fmt.signed(v);
    assertTrue(fmt.fitsSigned(s));
    assertEquals(fmt.reduce(v), fmt.reduce(s));
  }

  @Property
  void truncatedProductIsWithinOneUlpBelowTheExactProduct(@ForAll("formats") FixedPointFormat fmt,
      @ForAll @DoubleRange(min = -1, max = 1) double ua, @ForAll @DoubleRange(min = -1, max = 1) double ub) {
    // Keep the product inside the ring: each factor below 2^((l - 2f - 2) / 2).
    double bound = Math.scalb(1.0, (fmt.ringBits() - 2 * fmt.fractionalBits() - 2) / 2);
    long a = fmt.encode(ua * bound);
    long b = fmt.encode(ub * bound);
    // Exact integers: the product carries 2f fractional bits, the truncation f.
    long product = Math.multiplyExact(fmt.signed(a), fmt.signed(b));
    long t = fmt.signed(fmt.truncate(a * b));
    long scale = 1L << fmt.fractionalBits();
    assertTrue(t * scale <= product && product < (t + 1) * scale,
        () -> "product " + product + " truncated to " + t + " in " + fmt);
  }

  @Property
  void truncateIsFloorOfTheSignedValue(@ForAll @IntRange(min = 16, max = 60) int l, @ForAll long v) {
    FixedPointFormat fmt = FixedPointFormat.of(l, (l - 2) / 2);
    BigInteger signed = BigInteger.valueOf(fmt.signed(v));
    BigInteger floor = signed.shiftRight(fmt.fractionalBits()); // BigInteger shifts floor
    assertEquals(fmt.reduce(floor.longValueExact()), fmt.truncate(v));
  }

  @Test
  void encodeRefusesValuesOutsideTheRing() {
    FixedPointFormat fmt = FixedPointFormat.of(20, 8);
    assertEquals(fmt.maxSigned(), fmt.signed(fmt.encode(Math.scalb(1.0, 11) - Math.scalb(1.0, -8))));
    assertThrows(FixedPointOverflowException.class, () -> fmt.encode(Math.scalb(1.0, 11)));
    assertThrows(FixedPointOverflowException.class, () -> fmt.encode(Double.NaN));
    assertThrows(FixedPointOverflowException.class, () -> fmt.encode(Double.POSITIVE_INFINITY));
    assertEquals(fmt.minSigned(), fmt.signed(fmt.encode(-Math.scalb(1.0, 11))));
  }

  @Test
  void formatBoundsAreEnforced() {
    assertThrows(IllegalArgumentException.class, () -> FixedPointFormat.of(15, 4));
    assertThrows(IllegalArgumentException.class, () -> FixedPointFormat.of(61, 4));
    assertThrows(IllegalArgumentException.class, () -> FixedPointFormat.of(32, 0));
    assertThrows(IllegalArgumentException.class, () -> FixedPointFormat.of(32, 16));
    assertEquals(FixedPointFormat.of(32, 15), FixedPointFormat.of(32, 15));
  }

  @Test
  void roundingIsHalfAwayFromZeroOnlyAtExactTies() {
    FixedPointFormat fmt = FixedPointFormat.of(32, 4);
    assertEquals(3, fmt.signed(fmt.encode(3.0 / 16)));
    assertEquals(-3, fmt.signed(fmt.encode(-3.0 / 16)));
    assertEquals(2, fmt.signed(fmt.encode(2.4 / 16)));
    assertEquals(-2, fmt.signed(fmt.encode(-2.4 / 16)));
  }

  @Property(tries = 200)
  void matVecMatchesBigIntegerOracle(@ForAll("formats") FixedPointFormat fmt,
      @ForAll("matrices") long[][] wx) {
    int rows = 3;
    int cols = wx[1].length;
    long[] w = wx[0];
    long[] x = wx[1];
    long[] y = RingOps.matVec(fmt.ringBits(), w, rows, cols, x, null);
    BigInteger mod = BigInteger.ONE.shiftLeft(fmt.ringBits());
    for (int r = 0; r < rows; r++) {
      BigInteger acc = BigInteger.ZERO;
      for (int c = 0; c < cols; c++) {
        acc = acc.add(BigInteger.valueOf(w[r * cols + c]).multiply(BigInteger.valueOf(x[c])));
      }
      assertEquals(acc.mod(mod).longValueExact(), y[r]);
    }
  }

  @Provide
  Arbitrary<long[][]> matrices() {
    return Arbitraries.integers().between(1, 20).flatMap(cols -> Combinators.combine(
        Arbitraries.longs().array(long[].class).ofSize(3 * cols),
        Arbitraries.longs().array(long[].class).ofSize(cols)).as((w, x) -> new long[][] {w, x}));
  }
}
