package dev.oml.he.java.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

class ModulusTest {
  private static final Modulus Q60 = new Modulus(Primes.nttPrimes(4096, new int[] {60}, java.util.Set.of())[0]);
  private static final Modulus Q40 = new Modulus(Primes.nttPrimes(4096, new int[] {40}, java.util.Set.of())[0]);

  @Property(tries = 2000)
  void barrettMatchesBigInteger(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long x,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long y) {
    for (Modulus m : new Modulus[] {Q60, Q40}) {
      long a = x % m.q;
      long b = y % m.q;
      long expect = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).mod(m.big()).longValue();
      assertEquals(expect, m.mul(a, b));
      long ws = m.shoup(b);
      assertEquals(expect, Modulus.mulShoup(a, b, ws, m.q));
    }
  }

  @Property(tries = 1000)
  void shoupCompanionIsTheExactQuotient(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long x) {
    for (Modulus m : new Modulus[] {Q60, Q40, new Modulus(65537)}) {
      long w = x % m.q;
      long expect = BigInteger.valueOf(w).shiftLeft(64).divide(m.big()).longValue();
      assertEquals(expect, m.shoup(w));
    }
  }

  @Property(tries = 500)
  void inverseIsInverse(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long x) {
    long a = x % Q60.q;
    if (a != 0) {
      assertEquals(1, Q60.mul(a, Q60.inv(a)));
    }
  }

  @Property(tries = 500)
  void roundedQuotientMatchesBigInteger(@ForAll @LongRange(min = 0, max = (1L << 60) - 1) long a,
      @ForAll @LongRange(min = 0, max = (1L << 60) - 1) long b) {
    for (long t : new long[] {1L << 60, 1L << 37, 65537, (1L << 59) - 55, 70368743587841L, 2, 3,
        6, 1000, 3L << 40, (1L << 61) - 1}) {
      RoundedQuotient rq = new RoundedQuotient(t);
      long x = a % t;
      long y = b % t;
      BigInteger expect = BigInteger.valueOf(x).multiply(BigInteger.valueOf(y))
          .add(BigInteger.valueOf(t / 2)).divide(BigInteger.valueOf(t));
      assertEquals(expect.longValue(), rq.of(x, y));
      assertEquals(expect.longValue(), JavaContext.roundMulDiv(x, y, t));
    }
  }

  /** Products just below, at and above a multiple of {@code t} shifted by {@code t / 2}. */
  @Property(tries = 300)
  void roundedQuotientIsExactAtTheRoundingBoundary(
      @ForAll @LongRange(min = 3, max = (1L << 61) - 1) long t,
      @ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed) {
    RoundedQuotient rq = new RoundedQuotient(t);
    BigInteger bt = BigInteger.valueOf(t);
    java.util.Random r = new java.util.Random(seed);
    long a = Math.floorMod(r.nextLong(), t);
    if (a == 0) {
      a = 1;
    }
    // b near (k t + ceil(t / 2)) / a: a b lands within a of a rounding boundary.
    BigInteger target = BigInteger.valueOf(Math.floorMod(r.nextLong(), t)).multiply(bt)
        .add(BigInteger.valueOf(t - t / 2));
    long b0 = target.divide(BigInteger.valueOf(a)).longValue();
    for (long b = b0 - 1; b <= b0 + 1; b++) {
      if (b < 0 || b >= t) {
        continue;
      }
      BigInteger expect = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b))
          .add(BigInteger.valueOf(t / 2)).divide(bt);
      assertEquals(expect.longValue(), rq.of(a, b));
    }
  }
}
