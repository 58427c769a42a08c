package dev.oml.core.field;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class FieldFixedPointTest {
  static final long M = FieldFixedPoint.MAX_MAGNITUDE;

  @Property
  void embedThenCenterIsIdentity(@ForAll @LongRange(min = -M, max = M) long v) {
    assertEquals(v, FieldFixedPoint.center(FieldFixedPoint.embed(v)));
  }

  @Property
  void embeddingIsARingHomomorphismInRange(@ForAll @LongRange(min = -(1L << 22),
      max = 1L << 22) long a, @ForAll @LongRange(min = -(1L << 22), max = 1L << 22) long b) {
    long ea = FieldFixedPoint.embed(a);
    long eb = FieldFixedPoint.embed(b);
    assertEquals(a * b, FieldFixedPoint.center(PrimeField.mul(ea, eb)));
    assertEquals(a + b, FieldFixedPoint.center(PrimeField.add(ea, eb)));
    assertEquals(a - b, FieldFixedPoint.center(PrimeField.sub(ea, eb)));
  }

  @Property
  void truncationOfSharesIsTheExactFloor(@ForAll @LongRange(min = -M, max = M) long z,
      @ForAll @LongRange(min = 0, max = PrimeField.P - 1) long share,
      @ForAll @IntRange(min = 0, max = 30) int f) {
    long a = share;
    long b = PrimeField.sub(FieldFixedPoint.embed(z), share);
    // oracle: floor division in BigInteger
    BigInteger[] qr = BigInteger.valueOf(z).divideAndRemainder(BigInteger.ONE.shiftLeft(f));
    BigInteger floor = qr[1].signum() < 0 ? qr[0].subtract(BigInteger.ONE) : qr[0];
    assertEquals(floor.longValueExact(), FieldFixedPoint.center(FieldFixedPoint.truncate(a, b,
        f)));
  }

  @Test
  void realsRoundTripAndOutOfRangeIsATypedError() {
    assertEquals(-1.25, FieldFixedPoint.decode(FieldFixedPoint.encode(-1.25, 16), 16));
    assertEquals(PrimeField.P - 3, FieldFixedPoint.encode(-3, 0));
    assertThrows(FieldElementException.class, () -> FieldFixedPoint.embed(M + 1));
    assertThrows(FieldElementException.class, () -> FieldFixedPoint.embed(-M - 1));
    assertThrows(FieldElementException.class, () -> FieldFixedPoint.encode(1e9, 20));
    assertThrows(FieldElementException.class, () -> FieldFixedPoint.encode(Double.NaN, 4));
    assertThrows(IllegalArgumentException.class, () -> FieldFixedPoint.truncate(0, 0, 45));
  }
}
