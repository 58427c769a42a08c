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
  void roundMulDivMatchesBigInteger(@ForAll @LongRange(min = 0, max = (1L << 60) - 1) long a,
      @ForAll @LongRange(min = 0, max = (1L << 60) - 1) long b) {
    for (long t : new long[] {1L << 60, 1L << 37, 65537, (1L << 59) - 55}) {
      long x = a % t;
      long y = b % t;
      BigInteger expect = BigInteger.valueOf(x).multiply(BigInteger.valueOf(y))
          .add(BigInteger.valueOf(t / 2)).divide(BigInteger.valueOf(t));
      assertEquals(expect.longValue(), JavaContext.roundMulDiv(x, y, t));
    }
  }
}
