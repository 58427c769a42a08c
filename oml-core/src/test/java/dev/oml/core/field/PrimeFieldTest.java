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

  static BigInteger unsigned128(long lo, long hi) {
    return new BigInteger(1, java.nio.ByteBuffer.allocate(16).putLong(hi).putLong(lo).array());
  }

  // Words at the edges of reduce128's limbs (bits 46 and 92 of the 128-bit value), of p and of
  // the fold constant 2^46 - p, plus all-ones: the largest intermediate sums of the fold.
  static final long[] EDGE_WORDS = edgeWords();

  static long[] edgeWords() {
    long c = (1L << 46) - PrimeField.P;
    long[] base = {0, 1, 2, c, c - 1, c + 1, PrimeField.P, PrimeField.P - 1, PrimeField.P + 1,
        2 * PrimeField.P, 2 * PrimeField.P - 1, (1L << 46) - 1, 1L << 46, (1L << 46) + 1,
        (1L << 28) - 1, 1L << 28, (1L << 18) - 1, 1L << 18, Long.MAX_VALUE, Long.MIN_VALUE, -1L,
        -2L, -PrimeField.P, 0xAAAA_AAAA_AAAA_AAAAL, 0x5555_5555_5555_5555L,
        0xFFFF_C000_0000_0000L, 0x0000_3FFF_FFFF_FFFFL, 0xFFFF_FFFF_F000_0000L};
    return base;
  }

  @Test
  void reduce128MatchesBigIntegerOnEdgeWords() {
    for (long lo : EDGE_WORDS) {
      for (long hi : EDGE_WORDS) {
        assertEquals(big(unsigned128(lo, hi)), PrimeField.reduce128(lo, hi),
            () -> "reduce128(" + Long.toHexString(lo) + ", " + Long.toHexString(hi) + ")");
      }
    }
  }

  @Test
  void reduce128OfMultiplesOfPAndTheirNeighbours() {
    // k p + r for k up to the largest 128-bit multiple and r in {-1, 0, 1}: every residue class
    // boundary the final conditional subtraction must get right
    BigInteger max = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
    BigInteger[] ks = {BigInteger.ONE, BigInteger.TWO, BigInteger.ONE.shiftLeft(18),
        BigInteger.ONE.shiftLeft(46), BigInteger.ONE.shiftLeft(64), BigInteger.ONE.shiftLeft(81),
        max.divide(P), max.divide(P).subtract(BigInteger.ONE)};
    for (BigInteger k : ks) {
      for (int r = -1; r <= 1; r++) {
        BigInteger x = k.multiply(P).add(BigInteger.valueOf(r));
        long lo = x.longValue();
        long hi = x.shiftRight(64).longValue();
        assertEquals(big(x), PrimeField.reduce128(lo, hi), () -> "reduce128 of " + x);
      }
    }
  }

  @Provide
  Arbitrary<Long> wordNearEdge() {
    java.util.List<Long> edges = java.util.Arrays.stream(EDGE_WORDS).boxed().toList();
    return Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(edges),
        Arbitraries.of(edges).flatMap(w -> Arbitraries.longs().between(-64, 64)
            .map(d -> w + d)));
  }

  @Property(tries = 2000)
  void reduce128MatchesBigIntegerNearEdges(@ForAll("wordNearEdge") long lo,
      @ForAll("wordNearEdge") long hi) {
    assertEquals(big(unsigned128(lo, hi)), PrimeField.reduce128(lo, hi));
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
