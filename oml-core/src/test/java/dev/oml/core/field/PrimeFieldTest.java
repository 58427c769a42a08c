package dev.oml.core.field;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class PrimeFieldTest {
  static final BigInteger P = BigInteger.valueOf(PrimeField.P);

  @Provide
  Arbitrary<Long> element() {
    return Arbitraries.oneOf(Arbitraries.longs().between(0, PrimeField.P - 1),
        Arbitraries.of(0L, 1L, 2L, PrimeField.P - 1, PrimeField.P - 2, PrimeField.P / 2,
            (1L << 45), (1L << 45) - 1));
  }

  static long big(BigInteger x) {
    return x.mod(P).longValueExact();
  }

  @Test
  void theModulusIsTheDocumentedPrime() {
    assertTrue(P.isProbablePrime(100));
    assertEquals(BigInteger.ONE.shiftLeft(46).subtract(BigInteger.valueOf(9L << 16))
        .add(BigInteger.ONE), P);
    assertEquals(BigInteger.ONE, P.mod(BigInteger.ONE.shiftLeft(16)));
    // the largest such prime below 2^46
    for (long c = PrimeField.P + (1L << 16); c < (1L << 46); c += 1L << 16) {
      assertTrue(!BigInteger.valueOf(c).isProbablePrime(60));
    }
  }

  @Property
  void mulMatchesBigInteger(@ForAll("element") long a, @ForAll("element") long b) {
    assertEquals(big(BigInteger.valueOf(a).multiply(BigInteger.valueOf(b))),
        PrimeField.mul(a, b));
  }

  @Property
  void addSubNegMatchBigInteger(@ForAll("element") long a, @ForAll("element") long b) {
    BigInteger x = BigInteger.valueOf(a);
    BigInteger y = BigInteger.valueOf(b);
    assertEquals(big(x.add(y)), PrimeField.add(a, b));
    assertEquals(big(x.subtract(y)), PrimeField.sub(a, b));
    assertEquals(big(x.negate()), PrimeField.neg(a));
  }

  @Property
  void reduceMatchesBigInteger(@ForAll long x, @ForAll long hi) {
    assertEquals(big(BigInteger.valueOf(x)), PrimeField.reduce(x));
    BigInteger u128 = new BigInteger(1, java.nio.ByteBuffer.allocate(16).putLong(hi).putLong(x)
        .array());
    assertEquals(big(u128), PrimeField.reduce128(x, hi));
  }

  @Property
  void inverseAndPowerMatchBigInteger(@ForAll("element") long a, @ForAll @IntRange(max = 1000)
      int e) {
    assertEquals(big(BigInteger.valueOf(a).modPow(BigInteger.valueOf(e), P)),
        PrimeField.pow(a, e));
    if (a != 0) {
      assertEquals(BigInteger.valueOf(a).modInverse(P).longValueExact(), PrimeField.inv(a));
    }
  }

  @Property(tries = 50)
  void matVecAndVecMatMatchBigInteger(@ForAll @IntRange(min = 1, max = 7) int rows,
      @ForAll @Size(min = 1, max = 9) java.util.List<@net.jqwik.api.constraints.LongRange(
          min = 0, max = PrimeField.P - 1) Long> xs, @ForAll long seed) {
    java.util.Random rnd = new java.util.Random(seed);
    int cols = xs.size();
    long[] x = xs.stream().mapToLong(Long::longValue).toArray();
    long[] a = new long[rows * cols];
    for (int i = 0; i < a.length; i++) {
      a[i] = Math.floorMod(rnd.nextLong(), PrimeField.P);
    }
    long[] y = PrimeField.matVec(a, rows, x, null);
    long[] s = new long[rows];
    for (int r = 0; r < rows; r++) {
      s[r] = Math.floorMod(rnd.nextLong(), PrimeField.P);
      BigInteger acc = BigInteger.ZERO;
      for (int c = 0; c < cols; c++) {
        acc = acc.add(BigInteger.valueOf(a[r * cols + c]).multiply(BigInteger.valueOf(x[c])));
      }
      assertEquals(big(acc), y[r]);
    }
    long[] z = PrimeField.vecMat(s, a, cols, new long[cols]);
    for (int c = 0; c < cols; c++) {
      BigInteger acc = BigInteger.ZERO;
      for (int r = 0; r < rows; r++) {
        acc = acc.add(BigInteger.valueOf(s[r]).multiply(BigInteger.valueOf(a[r * cols + c])));
      }
      assertEquals(big(acc), z[c]);
    }
  }

  @Property(tries = 200)
  void wireFormatRoundTripsAndRejectsNonElements(@ForAll("element") long a,
      @ForAll("element") long b) {
    long[] v = {a, b};
    byte[] packed = FieldCodec.pack(v, 2);
    assertEquals(12, packed.length);
    assertArrayEquals(v, FieldCodec.unpack(packed, new long[2], "t"));
    byte[] bad = FieldCodec.pack(new long[] {PrimeField.P}, 1);
    assertThrows(dev.oml.core.transport.ProtocolAbortException.class,
        () -> FieldCodec.unpack(bad, new long[1], "t"));
  }

  @Test
  void wireFormatIsSixLittleEndianBytesPerElementAtEveryLength() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(46);
    for (int n = 0; n < 20; n++) {
      long[] v = new long[n];
      for (int i = 0; i < n; i++) {
        v[i] = i % 3 == 0 ? PrimeField.P - 1 : rnd.nextLong(PrimeField.P);
      }
      byte[] expected = new byte[6 * n];
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < 6; k++) {
          expected[6 * i + k] = (byte) (v[i] >>> (8 * k));
        }
      }
      assertArrayEquals(expected, FieldCodec.pack(v, n));
      assertArrayEquals(v, FieldCodec.unpack(expected, new long[n], "t"));
      for (int bad = 0; bad < n; bad++) {
        byte[] b = expected.clone();
        b[6 * bad + 5] = (byte) 0x40; // 2^46 + something: not an element
        assertThrows(dev.oml.core.transport.ProtocolAbortException.class,
            () -> FieldCodec.unpack(b, new long[v.length], "t"));
      }
    }
  }

  @Test
  void longDotProductsReduceLazilyWithoutOverflow() {
    int n = (1 << 16) * 3 + 5; // crosses the lazy-reduction boundary several times
    long[] a = new long[n];
    long[] b = new long[n];
    java.util.Arrays.fill(a, PrimeField.P - 1);
    java.util.Arrays.fill(b, PrimeField.P - 1);
    // (p-1)^2 = 1 mod p, so the sum is n
    assertEquals(n, PrimeField.dot(a, b));
  }

  @Test
  void rowCombinationsCrossTheLazyReductionBoundary() {
    int rows = (1 << 16) * 2 + 3; // each column's sum is reduced three times
    int cols = 3;
    long[] s = new long[rows];
    long[] a = new long[rows * cols];
    java.util.Arrays.fill(s, PrimeField.P - 1);
    java.util.Arrays.fill(a, PrimeField.P - 1);
    a[5 * cols + 1] = 2; // one entry of column 1 is -1 * 2 instead of (p-1)^2 = 1
    long[] z = PrimeField.vecMat(s, a, cols, null);
    assertArrayEquals(new long[] {rows, Math.floorMod(rows - 1 - 2, PrimeField.P), rows}, z);
  }

  @Test
  void outputArgumentsMayAliasAndAreChecked() {
    long[] a = {1, 2, PrimeField.P - 1};
    long[] b = {5, 6, 7};
    long[] r = PrimeField.add(a, b, a);
    assertEquals(a, r);
    assertArrayEquals(new long[] {6, 8, 6}, a);
    assertThrows(IllegalArgumentException.class, () -> PrimeField.add(a, b, new long[2]));
    assertThrows(IllegalArgumentException.class,
        () -> PrimeField.add(a, new long[2], null));
    assertThrows(IllegalArgumentException.class, () -> PrimeField.matVec(a, 1, a, a));
    assertThrows(ArithmeticException.class, () -> PrimeField.inv(0));
    assertThrows(FieldElementException.class,
        () -> PrimeField.requireCanonical(new long[] {0, PrimeField.P}, "x"));
    assertThrows(FieldElementException.class,
        () -> PrimeField.requireCanonical(new long[] {-1}, "x"));
  }
}
