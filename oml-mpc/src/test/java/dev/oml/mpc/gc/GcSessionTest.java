package dev.oml.mpc.gc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.CircuitBuilder;
import dev.oml.mpc.circuit.Circuits;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Every library circuit, garbled and evaluated for real with its evaluator inputs transferred by
 * real KOS15 OT over an in-memory channel, agrees with its plaintext evaluation on random inputs.
 * Each try runs one session with many instances, so a few tries cover thousands of inputs.
 */
class GcSessionTest {

  static boolean[] randomBits(SplittableRandom rnd, int n) {
    boolean[] b = new boolean[n];
    for (int i = 0; i < n; i++) {
      b[i] = rnd.nextBoolean();
    }
    return b;
  }

  static void checkAgainstPlain(Circuit c, int n, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    boolean[] g = randomBits(rnd, c.garblerInputs() * n);
    boolean[] e = randomBits(rnd, c.evaluatorInputs() * n);
    assertArrayEquals(TwoParty.plain(c, n, g, e), TwoParty.run(c, n, g, e), c.toString());
  }

  interface Word2 {
    int[] apply(CircuitBuilder b, int[] x, int[] y);
  }

  static Circuit word2(int l, Word2 f) {
    CircuitBuilder b = new CircuitBuilder(l, l);
    return b.build(f.apply(b, b.garblerInputs(0, l), b.evaluatorInputs(0, l)));
  }

  @Property(tries = 4)
  void wordCircuitsAgreeWithPlainEvaluation(@ForAll @IntRange(min = 2, max = 60) int l,
      @ForAll long seed) {
    checkAgainstPlain(word2(l, Circuits::add), 50, seed);
    checkAgainstPlain(word2(l, Circuits::sub), 50, seed + 1);
    checkAgainstPlain(word2(l, (b, x, y) -> new int[] {Circuits.lessThanSigned(b, x, y),
        Circuits.lessThanUnsigned(b, x, y)}), 50, seed + 2);
    checkAgainstPlain(word2(l, (b, x, y) -> Circuits.mux(b, y[0], x, y)), 50, seed + 3);
    checkAgainstPlain(word2(l, (b, x, y) -> Circuits.relu(b,
        Circuits.shiftRightArithmetic(Circuits.add(b, x, y), l / 3))), 50, seed + 4);
  }

  @Property(tries = 3)
  void argmaxAgreesWithPlainEvaluation(@ForAll @IntRange(min = 1, max = 10) int k,
      @ForAll long seed) {
    checkAgainstPlain(Circuits.argmaxOfShares(FixedPointFormat.of(24, 8), k), 8, seed);
  }

  @Test
  void argmaxOfTenLogitsRevealsTheIndex() {
    FixedPointFormat fmt = FixedPointFormat.of(32, 12);
    SplittableRandom rnd = new SplittableRandom(7);
    long[] logits = {-3, 5, 2, 9, 9, -7, 0, 1, 8, -1};
    boolean[] g = new boolean[10 * 32];
    boolean[] e = new boolean[10 * 32];
    for (int i = 0; i < 10; i++) {
      long zu = fmt.reduce(rnd.nextLong());
      Circuits.toBits(zu, 32, e, 32 * i);
      Circuits.toBits(fmt.reduce(fmt.encode(logits[i]) - zu), 32, g, 32 * i);
    }
    Circuit c = Circuits.argmaxOfShares(fmt, 10);
    assertEquals(3, Circuits.fromBits(TwoParty.run(c, 1, g, e), 0, c.outputs()));
  }

  @Test
  void randomCircuitsAgreeWithPlainEvaluation() {
    SplittableRandom rnd = new SplittableRandom(11);
    for (int trial = 0; trial < 3; trial++) {
      CircuitBuilder b = new CircuitBuilder(5, 7);
      java.util.List<Integer> wires = new java.util.ArrayList<>();
      for (int i = 0; i < 12; i++) {
        wires.add(i);
      }
      for (int i = 0; i < 300; i++) {
        int x = wires.get(rnd.nextInt(wires.size()));
        int y = wires.get(rnd.nextInt(wires.size()));
        int w = switch (rnd.nextInt(3)) {
          case 0 -> b.xor(x, y);
          case 1 -> b.and(x, y);
          default -> b.not(x);
        };
        if (w >= 0) {
          wires.add(w);
        }
      }
      int[] outs = new int[20];
      for (int i = 0; i < 20; i++) {
        outs[i] = wires.get(wires.size() - 1 - i);
      }
      checkAgainstPlain(b.build(outs), 30, trial);
    }
  }

  @Test
  void ownersViewOfTheOnlineRequestIsUniformWhateverTheInput() {
    // The request is x ^ c with c the random-OT choices: for an all-zero and an all-one input
    // the fraction of set bits is 1/2 (6 sigma bounds over 4000 bits) and no position is fixed.
    Circuit c = Circuits.reluReshare(FixedPointFormat.of(40, 16));
    for (boolean bit : new boolean[] {false, true}) {
      GcGarblerSession g = new GcGarblerSession(c, 100, TwoParty.RNG);
      GcEvaluatorSession e = new GcEvaluatorSession(c, 100, TwoParty.RNG);
      byte[] second = g.offlineRespond(e.offlineStart());
      g.offlineFinish(e.offlineFinish(second, g.garbledTables()));
      boolean[] x = new boolean[4000];
      java.util.Arrays.fill(x, bit);
      byte[] request = e.onlineRequest(x);
      int ones = 0;
      for (int i = 1; i < request.length; i++) {
        ones += Integer.bitCount(request[i] & 0xff);
      }
      double sigma = Math.sqrt(4000) / 2;
      org.junit.jupiter.api.Assertions.assertTrue(Math.abs(ones - 2000) < 6 * sigma,
          "request bits are biased: " + ones + " of 4000");
    }
  }

  @Test
  void sessionStepsOutOfOrderThrow() {
    Circuit c = word2(8, Circuits::add);
    GcGarblerSession g = new GcGarblerSession(c, 2, TwoParty.RNG);
    assertThrows(IllegalStateException.class, () -> g.offlineFinish(new byte[1]));
    GcEvaluatorSession e = new GcEvaluatorSession(c, 2, TwoParty.RNG);
    assertThrows(IllegalStateException.class, () -> e.onlineRequest(new boolean[16]));
  }
}
