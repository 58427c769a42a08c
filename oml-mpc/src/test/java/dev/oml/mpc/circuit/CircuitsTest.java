package dev.oml.mpc.circuit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.oml.core.fixedpoint.FixedPointFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Plaintext evaluation of every library circuit against its arithmetic definition. */
class CircuitsTest {

  interface Word2 {
    int[] apply(CircuitBuilder b, int[] x, int[] y);
  }

  static long eval2(int l, Word2 f, long x, long y) {
    CircuitBuilder b = new CircuitBuilder(l, l);
    Circuit c = b.build(f.apply(b, b.garblerInputs(0, l), b.evaluatorInputs(0, l)));
    boolean[] gx = new boolean[l];
    boolean[] ey = new boolean[l];
    Circuits.toBits(x, l, gx, 0);
    Circuits.toBits(y, l, ey, 0);
    return Circuits.fromBits(c.evaluate(gx, ey), 0, c.outputs());
  }

  @Property(tries = 200)
  void addAndSubAreModular(@ForAll @IntRange(min = 2, max = 62) int l, @ForAll long x,
      @ForAll long y) {
    long mask = (1L << l) - 1;
    x &= mask;
    y &= mask;
    assertEquals((x + y) & mask, eval2(l, Circuits::add, x, y));
    assertEquals((x - y) & mask, eval2(l, Circuits::sub, x, y));
  }

  @Property(tries = 200)
  void comparisonsMuxAndShift(@ForAll @IntRange(min = 2, max = 62) int l, @ForAll long x,
      @ForAll long y, @ForAll @IntRange(min = 0, max = 61) int f) {
    long mask = (1L << l) - 1;
    x &= mask;
    y &= mask;
    long sx = (x << (64 - l)) >> (64 - l);
    long sy = (y << (64 - l)) >> (64 - l);
    long fx = x;
    long fy = y;
    assertEquals(Long.compareUnsigned(x, y) < 0 ? 1 : 0,
        eval2(l, (b, p, q) -> new int[] {Circuits.lessThanUnsigned(b, p, q)}, x, y));
    assertEquals(sx < sy ? 1 : 0,
        eval2(l, (b, p, q) -> new int[] {Circuits.lessThanSigned(b, p, q)}, x, y));
    assertEquals((x & 1) == 1 ? y : x,
        eval2(l, (b, p, q) -> Circuits.mux(b, p[0], q, p), fx, fy));
    int shift = f % l;
    assertEquals((sx >> shift) & mask,
        eval2(l, (b, p, q) -> Circuits.shiftRightArithmetic(p, shift), x, y));
    assertEquals(Math.max(sx, 0), eval2(l, (b, p, q) -> Circuits.relu(b, p), x, y));
  }

  static long reluReshareOracle(FixedPointFormat fmt, long zu, long zo, long m) {
    long t = fmt.truncate(fmt.reduce(zu + zo));
    long r = fmt.signed(t) > 0 ? t : 0;
    return fmt.reduce(r - m);
  }

  @Property(tries = 300)
  void reluReshareMatchesFixedPointTruncate(@ForAll @IntRange(min = 16, max = 60) int l,
      @ForAll @IntRange(min = 1, max = 29) int f, @ForAll long zu, @ForAll long zo,
      @ForAll long m) {
    if (2 * f + 2 > l) {
      f = (l - 2) / 2;
    }
    FixedPointFormat fmt = FixedPointFormat.of(l, f);
    Circuit c = Circuits.reluReshare(fmt);
    assertEquals(3 * l - f - 3, c.andGates());
    boolean[] g = new boolean[2 * l];
    boolean[] e = new boolean[l];
    Circuits.toBits(fmt.reduce(zo), l, g, 0);
    Circuits.toBits(fmt.reduce(m), l, g, l);
    Circuits.toBits(fmt.reduce(zu), l, e, 0);
    long got = Circuits.fromBits(c.evaluate(g, e), 0, l);
    assertEquals(reluReshareOracle(fmt, fmt.reduce(zu), fmt.reduce(zo), fmt.reduce(m)), got);
  }

  static int argmaxOracle(FixedPointFormat fmt, long[] zu, long[] zo) {
    int best = 0;
    for (int i = 1; i < zu.length; i++) {
      if (fmt.signed(zu[i] + zo[i]) > fmt.signed(zu[best] + zo[best])) {
        best = i;
      }
    }
    return best;
  }

  @Property(tries = 100)
  void argmaxRevealsTheFirstLargest(@ForAll @IntRange(min = 1, max = 12) int k,
      @ForAll long seed) {
    FixedPointFormat fmt = FixedPointFormat.of(20, 8);
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    long[] zu = new long[k];
    long[] zo = new long[k];
    for (int i = 0; i < k; i++) {
      zu[i] = fmt.reduce(rnd.nextLong());
      // small logits with ties now and then
      zo[i] = fmt.reduce(rnd.nextInt(8) - zu[i]);
    }
    Circuit c = Circuits.argmaxOfShares(fmt, k);
    boolean[] g = new boolean[k * 20];
    boolean[] e = new boolean[k * 20];
    for (int i = 0; i < k; i++) {
      Circuits.toBits(zo[i], 20, g, 20 * i);
      Circuits.toBits(zu[i], 20, e, 20 * i);
    }
    assertEquals(argmaxOracle(fmt, zu, zo), Circuits.fromBits(c.evaluate(g, e), 0, c.outputs()));
  }

  @Test
  void andGateCountsAreAsDocumented() {
    for (int l : new int[] {16, 32, 40, 60}) {
      CircuitBuilder b = new CircuitBuilder(l, l);
      int[] x = b.garblerInputs(0, l);
      int[] y = b.evaluatorInputs(0, l);
      Circuits.add(b, x, y);
      assertEquals(l - 1, b.andGates());
      Circuits.sub(b, x, y);
      assertEquals(2 * (l - 1), b.andGates());
      Circuits.lessThanSigned(b, x, y);
      assertEquals(2 * (l - 1) + l, b.andGates());
      Circuits.mux(b, x[0], x, y);
      assertEquals(2 * (l - 1) + 2 * l, b.andGates());
    }
    assertEquals(3 * 40 - 16 - 3, Circuits.reluReshare(FixedPointFormat.of(40, 16)).andGates());
  }

  @Test
  void constantOutputsAreMaterialized() {
    CircuitBuilder b = new CircuitBuilder(1, 1);
    Circuit c = b.build(CircuitBuilder.ONE, CircuitBuilder.ZERO, b.and(0, 1));
    boolean[] out = c.evaluate(new boolean[] {true}, new boolean[] {true});
    assertEquals(true, out[0]);
    assertEquals(false, out[1]);
    assertEquals(true, out[2]);
  }
}
