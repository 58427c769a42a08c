package dev.oml.mpc.circuit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.field.FieldFixedPoint;
import dev.oml.core.field.PrimeField;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * The F_p circuits evaluated in the clear against the field reference: {@link
 * FieldFixedPoint#truncate(long, long, int)} (itself tested against {@code BigInteger} floor
 * division), then ReLU, minus the mask mod p. Shares are split at random around values chosen
 * near 0, near {@code +-(p-1)/2} and at the truncation boundaries.
 */
class FieldCircuitsTest {
  static final long P = PrimeField.P;
  static final long HALF = (P - 1) / 2;
  static final Map<Integer, Circuit> RELU = new ConcurrentHashMap<>();
  static final Map<Integer, Circuit> TRUNC = new ConcurrentHashMap<>();

  static boolean[] bits(long v) {
    boolean[] b = new boolean[46];
    Circuits.toBits(v, 46, b, 0);
    return b;
  }

  static boolean[] concat(boolean[] a, boolean[] b) {
    boolean[] r = new boolean[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  /** Runs a reshare circuit; returns {output share, flag}. */
  static long[] run(Circuit c, long zu, long zo, long m) {
    boolean[] out = c.evaluate(concat(bits(zo), bits(m)), bits(zu));
    return new long[] {Circuits.fromBits(out, 0, 46), out[FieldCircuits.OUTPUT_FLAG] ? 1 : 0};
  }

  @Provide
  Arbitrary<Long> interesting() {
    Arbitrary<Long> nearZero = Arbitraries.longs().between(-70_000, 70_000);
    Arbitrary<Long> nearTop = Arbitraries.longs().between(HALF - 70_000, HALF);
    Arbitrary<Long> nearBottom = Arbitraries.longs().between(-HALF, -HALF + 70_000);
    Arbitrary<Long> boundary = Arbitraries.longs().between(-(1L << 28), 1L << 28)
        .flatMap(k -> Arbitraries.of(-1L, 0L, 1L).map(d -> (k << 16) + d));
    Arbitrary<Long> any = Arbitraries.longs().between(-HALF, HALF);
    return Arbitraries.oneOf(nearZero, nearTop, nearBottom, boundary, any);
  }

  @Property(tries = 600)
  void reluReshareIsExactTruncationReluMinusMask(@ForAll("interesting") long z,
      @ForAll @LongRange(min = 0, max = P - 1) long zu,
      @ForAll @LongRange(min = 0, max = P - 1) long m,
      @ForAll @IntRange(min = 0, max = 20) int f) {
    long zo = PrimeField.sub(FieldFixedPoint.embed(z), zu);
    long expected = FieldFixedPoint.embed(Math.max(0,
        FieldFixedPoint.center(FieldFixedPoint.truncate(zu, zo, f))));
    long[] got = run(RELU.computeIfAbsent(f, FieldCircuits::reluReshare), zu, zo, m);
    assertEquals(PrimeField.sub(expected, m), got[0]);
    assertEquals(0, got[1]);
  }

  @Property(tries = 600)
  void truncateReshareIsExactTruncationMinusMask(@ForAll("interesting") long z,
      @ForAll @LongRange(min = 0, max = P - 1) long zu,
      @ForAll @LongRange(min = 0, max = P - 1) long m,
      @ForAll @IntRange(min = 0, max = 20) int f) {
    long zo = PrimeField.sub(FieldFixedPoint.embed(z), zu);
    long[] got = run(TRUNC.computeIfAbsent(f, FieldCircuits::truncateReshare), zu, zo, m);
    assertEquals(PrimeField.sub(FieldFixedPoint.truncate(zu, zo, f), m), got[0]);
    assertEquals(0, got[1]);
  }

  @Property(tries = 200)
  void nonCanonicalEvaluatorInputRaisesTheFlag(
      @ForAll @LongRange(min = P, max = (1L << 46) - 1) long zu,
      @ForAll @LongRange(min = 0, max = P - 1) long zo) {
    assertEquals(1, run(RELU.computeIfAbsent(16, FieldCircuits::reluReshare), zu, zo, 0)[1]);
    assertEquals(1, run(TRUNC.computeIfAbsent(16, FieldCircuits::truncateReshare), zu, zo, 0)[1]);
  }

  @Test
  void sharesAtTheExtremes() {
    Circuit c = FieldCircuits.reluReshare(16);
    long[][] cases = {{0, 0}, {P - 1, 1}, {P - 1, P - 1}, {HALF, 0}, {HALF, 1}, {0, HALF + 1},
        {P - 1, 0}, {1L << 16, P - 1}};
    for (long[] s : cases) {
      long expected = FieldFixedPoint.embed(Math.max(0,
          FieldFixedPoint.center(FieldFixedPoint.truncate(s[0], s[1], 16))));
      assertEquals(expected, run(c, s[0], s[1], 0)[0], () -> s[0] + " + " + s[1]);
    }
    assertEquals(0, run(c, P - 1, 0, 0)[1]);
    assertEquals(1, run(c, P, 0, 0)[1]);
  }

  @Property(tries = 200)
  void argmaxOfFieldSharesMatchesCenteredOrder(
      @ForAll("interesting") long a, @ForAll("interesting") long b2,
      @ForAll("interesting") long c3, @ForAll @LongRange(min = 0, max = P - 1) long seed) {
    long[] z = {a, b2, c3, a}; // a repeats: ties go to the first index
    int k = z.length;
    Circuit circuit = ARGMAX;
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    boolean[] g = new boolean[k * 46];
    boolean[] e = new boolean[k * 46];
    int best = 0;
    for (int i = 0; i < k; i++) {
      long zu = rnd.nextLong(P);
      long zo = PrimeField.sub(FieldFixedPoint.embed(z[i]), zu);
      Circuits.toBits(zu, 46, e, 46 * i);
      Circuits.toBits(zo, 46, g, 46 * i);
      if (z[i] > z[best]) {
        best = i;
      }
    }
    boolean[] out = circuit.evaluate(g, e);
    int bits = Circuits.indexBits(k);
    assertEquals(best, Circuits.fromBits(out, 0, bits));
    for (int i = 0; i < k; i++) {
      assertEquals(false, out[bits + i]);
    }
  }

  static final Circuit ARGMAX = FieldCircuits.argmaxOfShares(4);
  static final Map<Integer, Circuit> MAX = new ConcurrentHashMap<>();

  /**
   * The max circuit over a window of 4 (and of 9) against the field reference: each value is
   * truncated by {@link FieldFixedPoint#truncate}, the largest centered one wins (ReLU after it
   * for the relu form), minus the mask; no flag for canonical inputs.
   */
  @Property(tries = 300)
  void maxReshareIsTheLargestTruncationMinusMask(@ForAll("interesting") long a,
      @ForAll("interesting") long b2, @ForAll("interesting") long c3,
      @ForAll @LongRange(min = 0, max = P - 1) long m, @ForAll @IntRange(min = 0, max = 20) int f,
      @ForAll boolean relu, @ForAll boolean nine, @ForAll long seed) {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    int w = nine ? 9 : 4;
    long[] z = new long[w];
    long[] base = {a, b2, c3};
    for (int q = 0; q < w; q++) {
      z[q] = q < 3 ? base[q] : base[rnd.nextInt(3)] + rnd.nextLong(-3, 4) * (1L << f);
      z[q] = Math.max(-HALF, Math.min(HALF, z[q]));
    }
    boolean[] g = new boolean[(w + 1) * 46];
    boolean[] e = new boolean[w * 46];
    long best = Long.MIN_VALUE;
    for (int q = 0; q < w; q++) {
      long zu = rnd.nextLong(P);
      long zo = PrimeField.sub(FieldFixedPoint.embed(z[q]), zu);
      Circuits.toBits(zu, 46, e, 46 * q);
      Circuits.toBits(zo, 46, g, 46 * q);
      best = Math.max(best, FieldFixedPoint.center(FieldFixedPoint.truncate(zu, zo, f)));
    }
    Circuits.toBits(m, 46, g, 46 * w);
    Circuit c = MAX.computeIfAbsent(f * 4 + (relu ? 2 : 0) + (nine ? 1 : 0),
        key -> FieldCircuits.maxReshare(f, w, relu));
    boolean[] out = c.evaluate(g, e);
    long expected = FieldFixedPoint.embed(relu ? Math.max(0, best) : best);
    assertEquals(PrimeField.sub(expected, m), Circuits.fromBits(out, 0, 46));
    for (int q = 0; q < w; q++) {
      assertEquals(false, out[46 + q], "flag " + q);
    }
  }

  @Test
  void maxReshareFlagsEachNonCanonicalWindowValueAndIsTheReshareForOneValue() {
    Circuit c = FieldCircuits.maxReshare(12, 4, true);
    assertEquals(46 + 4, c.outputs());
    for (int bad = 0; bad < 4; bad++) {
      boolean[] g = new boolean[5 * 46];
      boolean[] e = new boolean[4 * 46];
      Circuits.toBits(P + 5, 46, e, 46 * bad);
      boolean[] out = c.evaluate(g, e);
      for (int q = 0; q < 4; q++) {
        assertEquals(q == bad, out[46 + q], "flag " + q + " with word " + bad + " non-canonical");
      }
    }
    assertArrayEquals(FieldCircuits.reluReshare(12).fingerprint(),
        FieldCircuits.maxReshare(12, 1, true).fingerprint());
    assertArrayEquals(FieldCircuits.truncateReshare(12).fingerprint(),
        FieldCircuits.maxReshare(12, 1, false).fingerprint());
    assertThrows(IllegalArgumentException.class, () -> FieldCircuits.maxReshare(12, 0, true));
  }

  // flag + modular sum + sign + re-share, measured part by part (ReLU adds 46 - f)
  static int andsOfParts() {
    CircuitBuilder b = new CircuitBuilder(92, 46);
    int[] zu = b.evaluatorInputs(0, 46);
    FieldCircuits.atLeast(b, zu, P);
    int flag = b.andGates();
    int[] r = FieldCircuits.addModP(b, zu, b.garblerInputs(0, 46));
    int sum = b.andGates() - flag;
    FieldCircuits.negative(b, r);
    int sign = b.andGates() - flag - sum;
    FieldCircuits.subModP(b, b.garblerInputs(0, 46), b.garblerInputs(46, 46));
    int reshare = b.andGates() - flag - sum - sign;
    System.out.println("F_p AND parts: flag " + flag + ", sum " + sum + ", sign " + sign
        + ", reshare " + reshare);
    return b.andGates();
  }

  @Test
  void andGateCountsAreAsDocumented() {
    for (int f : new int[] {0, 8, 12, 16, 20}) {
      assertEquals(365 - f, FieldCircuits.reluReshare(f).andGates(), "relu f=" + f);
      assertEquals(410, FieldCircuits.truncateReshare(f).andGates(), "truncate f=" + f);
      assertEquals(FieldCircuits.reluReshare(f).andGates() + f, andsOfParts() + 46);
    }
    System.out.println("F_p relu f=16: " + FieldCircuits.reluReshare(16));
    System.out.println("F_p trunc f=16: " + FieldCircuits.truncateReshare(16));
    System.out.println("F_p argmax k=10: " + FieldCircuits.argmaxOfShares(10));
    System.out.println("F_p max-relu w=4 f=16: " + FieldCircuits.maxReshare(16, 4, true));
    System.out.println("F_p max w=4 f=16: " + FieldCircuits.maxReshare(16, 4, false));
    System.out.println("F_p max-relu w=9 f=16: " + FieldCircuits.maxReshare(16, 9, true));
    // per window value 274 (flag 45, sum 138, sign 45, centered value 46), per comparison 94
    // (signed comparison and selection of 47-bit words), ReLU 46, re-share 91
    assertEquals(368 * 4 + 43, FieldCircuits.maxReshare(16, 4, true).andGates());
    assertEquals(368 * 9 + 43, FieldCircuits.maxReshare(16, 9, true).andGates());
    // without ReLU: the re-embedding (adding sign * p, 45) instead of ReLU
    assertEquals(368 * 4 + 42, FieldCircuits.maxReshare(16, 4, false).andGates());
    assertThrows(IllegalArgumentException.class, () -> FieldCircuits.reluReshare(45));
    assertThrows(IllegalArgumentException.class, () -> FieldCircuits.argmaxOfShares(0));
  }

  static final Map<Integer, Circuit> TRUNCATE_ONLY = new ConcurrentHashMap<>();

  /**
   * The hidden-layer circuit without the re-share, over windows of 1, 4 and 9, against the field
   * reference: its result wires hold exactly the truncated maximum (ReLU after it for the relu
   * form), as the sum of its result wires weighted by {@code resultWeights} mod p (a binary
   * word, or for a ReLU without pooling at {@code 1 <= f <= 16} the sum's high bits and two
   * correction wires); no flag for canonical inputs.
   */
  @Property(tries = 600)
  void maxTruncateIsTheLargestTruncation(@ForAll("interesting") long a,
      @ForAll("interesting") long b2, @ForAll("interesting") long c3,
      @ForAll @IntRange(min = 0, max = 20) int f, @ForAll boolean relu,
      @ForAll @IntRange(min = 0, max = 2) int size, @ForAll long seed) {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    int w = new int[] {1, 4, 9}[size];
    long[] base = {a, b2, c3};
    boolean[] g = new boolean[w * 46];
    boolean[] e = new boolean[w * 46];
    long best = Long.MIN_VALUE;
    for (int q = 0; q < w; q++) {
      long z = q < 3 ? base[q] : base[rnd.nextInt(3)] + rnd.nextLong(-3, 4) * (1L << f);
      z = Math.max(-HALF, Math.min(HALF, z));
      long zu = rnd.nextLong(P);
      long zo = PrimeField.sub(FieldFixedPoint.embed(z), zu);
      Circuits.toBits(zu, 46, e, 46 * q);
      Circuits.toBits(zo, 46, g, 46 * q);
      best = Math.max(best, FieldFixedPoint.center(FieldFixedPoint.truncate(zu, zo, f)));
    }
    Circuit c = TRUNCATE_ONLY.computeIfAbsent(f * 8 + (relu ? 4 : 0) + size,
        key -> FieldCircuits.maxTruncate(f, w, relu));
    long[] weights = FieldCircuits.resultWeights(f, w, relu);
    int bits = weights.length;
    assertEquals(bits + w, c.outputs());
    boolean[] out = c.evaluate(g, e);
    long expected = FieldFixedPoint.embed(relu ? Math.max(0, best) : best);
    assertEquals(expected, weighted(out, weights));
    for (int q = 0; q < w; q++) {
      assertEquals(false, out[bits + q], "flag " + q);
    }
  }

  static long weighted(boolean[] out, long[] weights) {
    long v = 0;
    for (int j = 0; j < weights.length; j++) {
      v = out[j] ? PrimeField.add(v, weights[j]) : v;
    }
    return v;
  }

  @Property(tries = 200)
  void maxTruncateFlagsEveryNonCanonicalWord(
      @ForAll @LongRange(min = P, max = (1L << 46) - 1) long zu,
      @ForAll @LongRange(min = 0, max = P - 1) long zo, @ForAll boolean relu,
      @ForAll @IntRange(min = 0, max = 3) int bad) {
    Circuit one = FieldCircuits.maxTruncate(12, 1, relu);
    boolean[] out = one.evaluate(bits(zo), bits(zu));
    assertEquals(true, out[FieldCircuits.resultWeights(12, 1, relu).length]);
    Circuit four = FieldCircuits.maxTruncate(12, 4, relu);
    boolean[] g = new boolean[4 * 46];
    boolean[] e = new boolean[4 * 46];
    Circuits.toBits(zu, 46, e, 46 * bad);
    Circuits.toBits(zo, 46, g, 46 * bad);
    out = four.evaluate(g, e);
    for (int q = 0; q < 4; q++) {
      assertEquals(q == bad, out[FieldCircuits.resultWeights(12, 4, relu).length + q],
          "flag " + q);
    }
  }

  @Test
  void maxTruncateCountsAreTheReshareCircuitsLessTheReshare() {
    for (int f : new int[] {0, 1, 8, 12, 16, 17, 20}) {
      if (f >= 1 && f <= 16) {
        // from the unreduced sum: flag 45, sum 46, s >= p 47, the sign against a bound that
        // depends on it 46, s mod 2^f = 0 f - 1, ReLU on 47 - f high bits and two corrections
        assertEquals(232, FieldCircuits.maxTruncate(f, 1, true).andGates(), "relu f=" + f);
        assertEquals(49 - f, FieldCircuits.resultWeights(f, 1, true).length);
      } else {
        // the re-share (2k - 1 = 91) is gone; ReLU keeps its 46 - f ANDs
        assertEquals(274 - f, FieldCircuits.maxTruncate(f, 1, true).andGates(), "relu f=" + f);
        assertEquals(FieldCircuits.reluReshare(f).andGates() - 91,
            FieldCircuits.maxTruncate(f, 1, true).andGates());
      }
      assertEquals(319, FieldCircuits.maxTruncate(f, 1, false).andGates(), "truncate f=" + f);
      // pooled with ReLU: the ReLU covers only the 46 - f result bits (it covered 46)
      assertEquals(FieldCircuits.maxReshare(f, 4, true).andGates() - 91 - f,
          FieldCircuits.maxTruncate(f, 4, true).andGates());
      assertEquals(FieldCircuits.maxReshare(f, 4, false).andGates() - 91,
          FieldCircuits.maxTruncate(f, 4, false).andGates());
    }
    assertThrows(IllegalArgumentException.class, () -> FieldCircuits.maxTruncate(12, 0, true));
    assertThrows(IllegalArgumentException.class, () -> FieldCircuits.maxTruncate(45, 1, true));
  }
}
