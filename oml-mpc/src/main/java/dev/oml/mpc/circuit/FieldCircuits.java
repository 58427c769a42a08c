package dev.oml.mpc.circuit;

import dev.oml.core.field.PrimeField;

/**
 * The tier-2 nonlinearity circuits over {@code F_p} ({@link PrimeField}, {@code p = 2^46 - 9 *
 * 2^16 + 1}): shares are 46-bit words (least significant bit first) holding residues mod
 * {@code p}, and every circuit is bit-exact with {@link dev.oml.core.field.FieldFixedPoint}: it
 * adds the two shares mod {@code p}, reads the centered sign, floor-truncates by {@code f} bits,
 * applies ReLU (or nothing), and re-shares as {@code (result - m) mod p} with {@code m} the
 * garbler's mask. The Z_2^l circuits of {@link Circuits} stay as they are for tier 1.
 *
 * <p>Input and output layout of {@link #reluReshare(int)} and {@link #truncateReshare(int)}:
 * garbler inputs {@code z_O} (bits {@code [0, 46)}) and {@code m} (bits {@code [46, 92)}),
 * evaluator input {@code z_U} (bits {@code [0, 46)}); outputs the 46 bits of U's new share, then
 * one flag bit {@link #OUTPUT_FLAG}: 1 iff the evaluator fed a non-canonical {@code z_U >= p}.
 *
 * <p>Why the flag. A label table proves only {@code z_U' = z_U (mod p)}, and 46 bits also hold
 * the {@code 2^46 - p = 589823} non-canonical words {@code z_U + p}, on which a one-step modular
 * reduction computes the wrong sum exactly when {@code z_U + z_O >= p}, a wrap bit that leaks
 * about {@code z_O}. Reducing twice would cost about 93 more AND gates; instead the flag wire
 * goes into the input label table with a weight only the owner knows, so a flagged input moves
 * the authenticated value by an unknown amount and fails the MAC check (see
 * {@code dev.oml.mpc.gc.FieldLayerGarbler}). Honest inputs have the flag 0, which adds nothing
 * to the tag.
 *
 * <p>AND gates (the only cost; {@code k = 46}, {@code f} fractional bits), as the builder
 * counts them after constant folding and as {@code FieldCircuitsTest} pins them: the
 * canonicity flag {@code k - 1} (comparison with the constant {@code p}), the modular sum
 * {@code 3k} ({@code k} for the 47-bit sum, {@code k + 1} for subtracting {@code p} with the
 * borrow, {@code k - 1} for the selection), the sign {@code k - 1} (comparison with
 * {@code (p + 1) / 2}), ReLU on the shifted word {@code k - f}, the modular re-share
 * {@code 2k - 1} (subtraction with borrow, then the masked constant {@code borrow * p} added,
 * which needs no selection). In all {@link #reluReshare(int)} costs
 * {@code 8k - f - 3 = 365 - f} (349 at {@code f = 16}), against {@code 3l - f - 3} for the
 * Z_2^l circuit: the price of exact arithmetic mod {@code p}. {@link #truncateReshare(int)}
 * costs 410 for every {@code f} (the centered value, its arithmetic shift and re-embedding by
 * the masked constant {@code negative * p} replace ReLU), {@link #argmaxOfShares(int)} 3560 for
 * {@code k = 10} logits.
 *
 * <p>Hidden layers garble {@link #maxTruncate(int, int, boolean)}: the same computation without
 * the mask input and the re-share, outputting the result itself (with ReLU, 232 AND gates at
 * {@code 1 <= f <= 16}, where it also skips reducing the sum, else {@code 274 - f}); the tier-2
 * layer re-shares it with label tables outside the circuit.
 */
public final class FieldCircuits {
  /** Bits of a field element word. */
  public static final int BITS = PrimeField.BITS;
  /** Output index of the non-canonical-input flag, after the 46 bits of the share. */
  public static final int OUTPUT_FLAG = BITS;
  /** {@code p = 2^16 (2^30 - 9) + 1}: bits 1 to 15 are 0, so {@code p = 1 mod 2^f}, f <= 16. */
  private static final int LOW_ZERO_BITS = 16;

  private FieldCircuits() {}

  /** The constant {@code v} as a {@code bits}-bit word of {@link CircuitBuilder} constants. */
  public static int[] constant(long v, int bits) {
    int[] w = new int[bits];
    for (int i = 0; i < bits; i++) {
      w[i] = ((v >>> i) & 1) == 1 ? CircuitBuilder.ONE : CircuitBuilder.ZERO;
    }
    return w;
  }

  private static int[] extend(int[] x, int bits) {
    int[] r = new int[bits];
    for (int i = 0; i < bits; i++) {
      r[i] = i < x.length ? x[i] : CircuitBuilder.ZERO;
    }
    return r;
  }

  // Ripple-carry x + y + carryIn over x.length bits; the result has one more word bit holding
  // the carry out when wantCarry, else the carry is dropped (mod 2^l).
  private static int[] add(CircuitBuilder b, int[] x, int[] y, int carryIn, boolean wantCarry) {
    int l = x.length;
    int[] s = new int[wantCarry ? l + 1 : l];
    int c = carryIn;
    for (int i = 0; i < l; i++) {
      int xc = b.xor(x[i], c);
      s[i] = b.xor(xc, y[i]);
      if (i < l - 1 || wantCarry) {
        c = b.xor(c, b.and(xc, b.xor(y[i], c))); // majority with one AND
      }
    }
    if (wantCarry) {
      s[l] = c;
    }
    return s;
  }

  /** {@code x >= c} for an unsigned word and a constant; at most {@code l} ANDs. */
  public static int atLeast(CircuitBuilder b, int[] x, long c) {
    int l = x.length;
    int[] nc = constant(~c, l);
    return add(b, x, nc, CircuitBuilder.ONE, true)[l]; // carry of x + ~c + 1 is x >= c
  }

  /**
   * {@code (x + y) mod p} for 46-bit words holding canonical residues: the 47-bit sum, then
   * {@code p} subtracted when there is no borrow.
   */
  public static int[] addModP(CircuitBuilder b, int[] x, int[] y) {
    int[] s = add(b, x, y, CircuitBuilder.ZERO, true); // 47 bits
    int[] t = add(b, s, constant(~PrimeField.P, BITS + 1), CircuitBuilder.ONE, true);
    int noBorrow = t[BITS + 1];
    int[] r = new int[BITS];
    for (int i = 0; i < BITS; i++) {
      r[i] = b.mux(noBorrow, t[i], s[i]);
    }
    return r;
  }

  /**
   * {@code (x - y) mod p} for 46-bit words holding canonical residues: the difference with its
   * borrow, then {@code p} added back under the borrow. Adding the masked constant
   * {@code borrow * p} costs one AND per bit and needs no selection afterwards ({@code 2k - 1}
   * ANDs in all; adding {@code p} unconditionally and selecting cost {@code 3k - 2}).
   */
  public static int[] subModP(CircuitBuilder b, int[] x, int[] y) {
    int[] d = add(b, x, Circuits.not(b, y), CircuitBuilder.ONE, true);
    int borrow = b.not(d[BITS]);
    return add(b, java.util.Arrays.copyOf(d, BITS), masked(PrimeField.P, BITS, borrow),
        CircuitBuilder.ZERO, false);
  }

  /** The constant {@code v} as a {@code bits}-bit word whose one-bits are the wire {@code m}. */
  private static int[] masked(long v, int bits, int m) {
    int[] c = constant(v, bits);
    for (int i = 0; i < bits; i++) {
      c[i] = c[i] == CircuitBuilder.ONE ? m : CircuitBuilder.ZERO;
    }
    return c;
  }

  /** 1 iff the canonical residue {@code r} stands for a negative value: {@code r > (p-1)/2}. */
  public static int negative(CircuitBuilder b, int[] r) {
    return atLeast(b, r, (PrimeField.P + 1) / 2);
  }

  /**
   * The centered value of a canonical residue as a 47-bit two's-complement word:
   * {@code r - p} if negative, else {@code r}. Adding the masked constant {@code 2^47 - p} costs
   * one AND per bit.
   */
  public static int[] centered(CircuitBuilder b, int[] r, int negative) {
    int[] c = masked((1L << (BITS + 1)) - PrimeField.P, BITS + 1, negative);
    return add(b, extend(r, BITS + 1), c, CircuitBuilder.ZERO, false);
  }

  private static void checkF(int f) {
    if (f < 0 || f > BITS - 2) {
      throw new IllegalArgumentException("fractional bits must be in [0, 44]");
    }
  }

  /** {@code ReLU(floor(center(r) / 2^f))}: zero when negative, else the logical shift. */
  private static int[] reluTruncate(CircuitBuilder b, int[] r, int negative, int f) {
    int positive = b.not(negative);
    int[] y = new int[BITS];
    for (int i = 0; i < BITS; i++) {
      y[i] = i + f < BITS ? b.and(r[i + f], positive) : CircuitBuilder.ZERO;
    }
    return y;
  }

  /** {@code floor(center(r) / 2^f)} embedded again as a canonical residue. */
  private static int[] truncate(CircuitBuilder b, int[] r, int negative, int f) {
    int[] c = Circuits.shiftRightArithmetic(centered(b, r, negative), f); // 47-bit signed
    // negative: c + p lies in [0, p); positive: c = r >> f, whose top bits are 0 either way
    return add(b, java.util.Arrays.copyOf(c, BITS), masked(PrimeField.P, BITS, negative),
        CircuitBuilder.ZERO, false);
  }

  private static Circuit reshare(int f, boolean relu) {
    checkF(f);
    CircuitBuilder b = new CircuitBuilder(2 * BITS, BITS);
    int[] zo = b.garblerInputs(0, BITS);
    int[] m = b.garblerInputs(BITS, BITS);
    int[] zu = b.evaluatorInputs(0, BITS);
    int flag = atLeast(b, zu, PrimeField.P);
    int[] r = addModP(b, zu, zo);
    int neg = negative(b, r);
    int[] y = relu ? reluTruncate(b, r, neg, f) : truncate(b, r, neg, f);
    int[] out = subModP(b, y, m);
    int[] outs = java.util.Arrays.copyOf(out, BITS + 1);
    outs[OUTPUT_FLAG] = flag;
    return b.build(outs);
  }

  /** Whether the ReLU without re-share uses the sum's bits directly: {@code p = 1 mod 2^f}. */
  private static boolean fromSum(int f, int w, boolean relu) {
    return relu && w == 1 && f >= 1 && f <= LOW_ZERO_BITS;
  }

  /**
   * The public weights of the result wires of {@link #maxTruncate(int, int, boolean)}: the
   * result is {@code sum_j weights[j] x_j mod p} over its output wires {@code x_j}. A binary
   * word ({@code 2^j}) of {@code 46 - f} bits with ReLU (the result is below
   * {@code 2^(45 - f)}) or of 46 bits without (a canonical residue); for a ReLU without pooling
   * at {@code 1 <= f <= 16}, {@code 2^j} on the {@code 47 - f} high bits of the 47-bit sum, then
   * {@code -floor(p / 2^f)} and {@code -1} (see {@link #maxTruncate(int, int, boolean)}).
   */
  public static long[] resultWeights(int f, int w, boolean relu) {
    checkF(f);
    int bits = relu ? (fromSum(f, w, relu) ? BITS + 1 - f : BITS - f) : BITS;
    long[] weights = new long[fromSum(f, w, relu) ? bits + 2 : bits];
    for (int j = 0; j < bits; j++) {
      weights[j] = 1L << j;
    }
    if (fromSum(f, w, relu)) {
      weights[bits] = PrimeField.neg(PrimeField.P >>> f);
      weights[bits + 1] = PrimeField.neg(1);
    }
    return weights;
  }

  /**
   * {@code ReLU(floor(center((z_U + z_O) mod p) / 2^f))} as wires whose weighted sum it is,
   * for {@code 1 <= f <= 16}, without reducing the sum. With {@code s = z_U + z_O} (47 bits,
   * below {@code 2p}), {@code c = [s >= p]} and {@code r = s - c p}: {@code r} is negative in
   * the centered sense iff {@code s >= (p + 1) / 2 + c p}, one comparison of {@code s} with a
   * constant whose bits are {@code c} where those of {@code (p + 1) / 2} and
   * {@code (p + 1) / 2 + p} differ (no selection of {@code r} first); and since
   * {@code p = 1 mod 2^f}, {@code floor(r / 2^f) = floor(s / 2^f) - c floor(p / 2^f) - c z} with
   * {@code z = [s mod 2^f = 0]}. ReLU ANDs each term with {@code not negative}.
   */
  private static int[] reluFromSum(CircuitBuilder b, int[] zu, int[] zo, int f) {
    int[] s = add(b, zu, zo, CircuitBuilder.ZERO, true); // 47 bits
    int c = atLeast(b, s, PrimeField.P);
    long h = (PrimeField.P + 1) / 2;
    long lo = ~h;
    long hi = ~(h + PrimeField.P);
    int[] notBound = new int[BITS + 1];
    for (int j = 0; j <= BITS; j++) {
      long a = (lo >>> j) & 1;
      long d = (hi >>> j) & 1;
      notBound[j] = a == d ? (a == 1 ? CircuitBuilder.ONE : CircuitBuilder.ZERO)
          : (d == 1 ? c : b.not(c));
    }
    int negative = add(b, s, notBound, CircuitBuilder.ONE, true)[BITS + 1];
    int positive = b.not(negative);
    int zero = b.not(s[0]);
    for (int j = 1; j < f; j++) {
      zero = b.and(zero, b.not(s[j]));
    }
    int[] y = new int[BITS + 1 - f + 2];
    for (int j = f; j <= BITS; j++) {
      y[j - f] = b.and(s[j], positive);
    }
    int pc = b.and(c, positive);
    y[BITS + 1 - f] = pc;
    y[BITS + 2 - f] = b.and(pc, zero);
    return y;
  }

  /**
   * A hidden layer's circuit without the re-share: as {@link #maxReshare(int, int, boolean)}
   * (and, for {@code w = 1}, {@link #reluReshare(int)} or {@link #truncateReshare(int)}) but
   * with no mask input and the result {@code y} itself as output, so that the caller re-shares
   * it outside the circuit (the share tables of {@code dev.oml.mpc.gc.FieldLayerGarbler}, which
   * turn the labels of {@code y}'s wires into an additive sharing, with any public weights).
   * Garbler inputs the {@code w} words of {@code z_O}, evaluator inputs the {@code w} words of
   * {@code z_U}; outputs the result wires, whose sum weighted by
   * {@link #resultWeights(int, int, boolean)} is {@code y} mod p (with ReLU
   * {@code ReLU(max_q floor(center(z_U,q + z_O,q) / 2^f))}; without, that maximum embedded as a
   * canonical residue), then one non-canonical flag per evaluator word. AND gates: those of the
   * re-sharing circuit less the re-share ({@code 2k - 1 = 91}), 319 for {@code w = 1} without
   * ReLU, {@code 274 - f} with ReLU at {@code f = 0} or {@code f > 16}; a ReLU without pooling at
   * {@code 1 <= f <= 16} takes the sum's bits without reducing the sum (see
   * {@link #reluFromSum}), which {@code FieldCircuitsTest} pins.
   */
  public static Circuit maxTruncate(int f, int w, boolean relu) {
    checkF(f);
    if (w < 1) {
      throw new IllegalArgumentException("a window has at least one value");
    }
    int bits = resultWeights(f, w, relu).length;
    CircuitBuilder b = new CircuitBuilder(w * BITS, w * BITS);
    int[] flags = new int[w];
    int[] y;
    if (fromSum(f, w, relu)) {
      int[] zu = b.evaluatorInputs(0, BITS);
      flags[0] = atLeast(b, zu, PrimeField.P);
      y = reluFromSum(b, zu, b.garblerInputs(0, BITS), f);
    } else if (w == 1) {
      int[] zu = b.evaluatorInputs(0, BITS);
      flags[0] = atLeast(b, zu, PrimeField.P);
      int[] r = addModP(b, zu, b.garblerInputs(0, BITS));
      int neg = negative(b, r);
      y = relu ? reluTruncate(b, r, neg, f) : truncate(b, r, neg, f);
    } else {
      int[] best = windowMax(b, f, w, flags);
      int sign = best[BITS];
      if (relu) {
        int positive = b.not(sign);
        y = new int[bits];
        for (int i = 0; i < bits; i++) {
          y[i] = b.and(best[i], positive);
        }
      } else {
        y = add(b, java.util.Arrays.copyOf(best, BITS), masked(PrimeField.P, BITS, sign),
            CircuitBuilder.ZERO, false);
      }
    }
    int[] outs = java.util.Arrays.copyOf(y, bits + w);
    System.arraycopy(flags, 0, outs, bits, w);
    return b.build(outs);
  }

  /**
   * The hidden-layer circuit: U's output share is
   * {@code (ReLU(floor(center(z_U + z_O) / 2^f)) - m) mod p}, exactly
   * {@code FieldFixedPoint.truncate(z_U, z_O, f)} with ReLU applied, minus the mask.
   */
  public static Circuit reluReshare(int f) {
    return reshare(f, true);
  }

  /** The last layer under the LOGITS policy: as {@link #reluReshare(int)} without the ReLU. */
  public static Circuit truncateReshare(int f) {
    return reshare(f, false);
  }

  /**
   * A hidden layer followed by max pooling: one instance per pooled value, over the {@code w}
   * pre-activations of its window. Garbler inputs the {@code w} words of {@code z_O} (word
   * {@code q} at bits {@code [46 q, 46 (q + 1))}), then the mask {@code m} at bits
   * {@code [46 w, 46 (w + 1))}; evaluator inputs the {@code w} words of {@code z_U}. Output:
   * the 46 bits of U's share {@code (y - m) mod p} with
   * {@code y = max_q floor(center(z_U,q + z_O,q) / 2^f)} (signed maximum), and with ReLU
   * applied to {@code y} if {@code relu} (ReLU commutes with the maximum); then one
   * non-canonical flag per evaluator word, as in {@link #reluReshare(int)}. For {@code w = 1}
   * this is exactly {@link #reluReshare(int)} or {@link #truncateReshare(int)}, the same circuit
   * and fingerprint.
   *
   * <p>AND gates: per window value the flag, the sum mod {@code p}, the sign and the centered
   * value ({@code k - 1 + 3k + k - 1 + k + 1} at most), per comparison a signed comparison and a
   * selection of 47-bit words, then one re-embedding (or ReLU) and the re-share;
   * {@code FieldCircuitsTest} pins the counts.
   */
  public static Circuit maxReshare(int f, int w, boolean relu) {
    checkF(f);
    if (w < 1) {
      throw new IllegalArgumentException("a window has at least one value");
    }
    if (w == 1) {
      return reshare(f, relu);
    }
    CircuitBuilder b = new CircuitBuilder((w + 1) * BITS, w * BITS);
    int[] m = b.garblerInputs(w * BITS, BITS);
    int[] flags = new int[w];
    int[] best = windowMax(b, f, w, flags);
    int sign = best[BITS];
    int[] y = new int[BITS];
    if (relu) {
      int positive = b.not(sign);
      for (int i = 0; i < BITS; i++) {
        y[i] = b.and(best[i], positive);
      }
    } else {
      // negative: best + p lies in [0, p); non-negative: best itself, below (p - 1) / 2
      y = add(b, java.util.Arrays.copyOf(best, BITS), masked(PrimeField.P, BITS, sign),
          CircuitBuilder.ZERO, false);
    }
    int[] out = subModP(b, y, m);
    int[] outs = java.util.Arrays.copyOf(out, BITS + w);
    System.arraycopy(flags, 0, outs, BITS, w);
    return b.build(outs);
  }
  /**
   * The signed maximum over a window of {@code w} values of {@code floor(center(z_U,q + z_O,q) /
   * 2^f)}, as a 47-bit two's-complement word; word {@code q} of each party's inputs at bits
   * {@code [46 q, 46 (q + 1))}. Sets {@code flags[q]} to the non-canonical flag of U's word
   * {@code q}. Both windowed circuits build it with the same gates in the same order.
   */
  private static int[] windowMax(CircuitBuilder b, int f, int w, int[] flags) {
    int[] best = null;
    for (int q = 0; q < w; q++) {
      int[] zu = b.evaluatorInputs(q * BITS, BITS);
      flags[q] = atLeast(b, zu, PrimeField.P);
      int[] r = addModP(b, zu, b.garblerInputs(q * BITS, BITS));
      int[] c = Circuits.shiftRightArithmetic(centered(b, r, negative(b, r)), f);
      best = best == null ? c : Circuits.mux(b, Circuits.lessThanSigned(b, best, c), c, best);
    }
    return best;
  }


  /**
   * The last layer under the LABEL policy: garbler inputs the {@code k} words of {@code z_O}
   * (word {@code i} at bits {@code [46 i, 46 (i + 1))}), evaluator inputs the {@code k} words
   * of {@code z_U}; outputs the index of the largest centered {@code z_U + z_O mod p} (the first
   * on ties) in {@link Circuits#indexBits(int)} bits, then one non-canonical flag per
   * evaluator word. No truncation: it does not change the order.
   */
  public static Circuit argmaxOfShares(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("argmax of nothing");
    }
    CircuitBuilder b = new CircuitBuilder(k * BITS, k * BITS);
    int[][] v = new int[k][];
    int[] flags = new int[k];
    for (int i = 0; i < k; i++) {
      int[] zu = b.evaluatorInputs(i * BITS, BITS);
      flags[i] = atLeast(b, zu, PrimeField.P);
      int[] r = addModP(b, zu, b.garblerInputs(i * BITS, BITS));
      v[i] = centered(b, r, negative(b, r));
    }
    int[] idx = Circuits.argmax(b, v);
    int[] outs = new int[idx.length + k];
    System.arraycopy(idx, 0, outs, 0, idx.length);
    System.arraycopy(flags, 0, outs, idx.length, k);
    return b.build(outs);
  }
}
