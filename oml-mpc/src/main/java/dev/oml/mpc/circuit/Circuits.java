package dev.oml.mpc.circuit;

import dev.oml.core.fixedpoint.FixedPointFormat;

/**
 * The circuit library: word-level building blocks over {@link CircuitBuilder} (words are
 * {@code int[]} of wires, least significant bit first, arithmetic mod {@code 2^l} with
 * {@code l} the word length) and the complete circuits the two-party inference garbles.
 *
 * <p>AND-gate costs (the only cost of a garbled circuit, 256 bits each), for {@code l}-bit
 * words: {@link #add} and {@link #sub} {@code l - 1}; {@link #lessThanUnsigned} and
 * {@link #lessThanSigned} {@code l}; {@link #mux} {@code l}; {@link #shiftRightArithmetic} 0 (it
 * is wiring); {@link #relu} {@code l - 1}, fewer when the word is an arithmetic shift (copies of the sign bit
 * cost nothing). {@link #reluReshare} costs
 * {@code (l - 1) + (l - f - 1) + (l - 1) = 3l - f - 3} per neuron; {@link #argmaxOfShares} costs
 * {@code k (l - 1) + (k - 1) (2l + ceil(log2 k))} at most.
 */
public final class Circuits {
  private Circuits() {}

  /** {@code x + y mod 2^l}: ripple carry with one AND per carry, {@code l - 1} ANDs. */
  public static int[] add(CircuitBuilder b, int[] x, int[] y) {
    return addWithCarry(b, x, y, CircuitBuilder.ZERO, false)[0];
  }

  /** {@code x - y mod 2^l = x + ~y + 1}, {@code l - 1} ANDs. */
  public static int[] sub(CircuitBuilder b, int[] x, int[] y) {
    return addWithCarry(b, x, not(b, y), CircuitBuilder.ONE, false)[0];
  }

  // Returns {sum, {carryOut}}; the carry out costs one more AND and is computed only on request.
  private static int[][] addWithCarry(CircuitBuilder b, int[] x, int[] y, int carryIn,
      boolean wantCarryOut) {
    checkSameLength(x, y);
    int l = x.length;
    int[] s = new int[l];
    int c = carryIn;
    for (int i = 0; i < l; i++) {
      int xc = b.xor(x[i], c);
      s[i] = b.xor(xc, y[i]);
      if (i < l - 1 || wantCarryOut) {
        // carry' = c ^ ((x ^ c) & (y ^ c)): majority with a single AND
        c = b.xor(c, b.and(xc, b.xor(y[i], c)));
      }
    }
    return new int[][] {s, {c}};
  }

  /** Bitwise complement; free. */
  public static int[] not(CircuitBuilder b, int[] x) {
    int[] r = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      r[i] = b.not(x[i]);
    }
    return r;
  }

  /** {@code x < y} as unsigned integers: the borrow of {@code x - y}, {@code l} ANDs. */
  public static int lessThanUnsigned(CircuitBuilder b, int[] x, int[] y) {
    int carry = addWithCarry(b, x, not(b, y), CircuitBuilder.ONE, true)[1][0];
    return b.not(carry);
  }

  /**
   * {@code x < y} as two's-complement integers, {@code l} ANDs: flipping both sign bits maps
   * signed order onto unsigned order.
   */
  public static int lessThanSigned(CircuitBuilder b, int[] x, int[] y) {
    return lessThanUnsigned(b, flipSign(b, x), flipSign(b, y));
  }

  private static int[] flipSign(CircuitBuilder b, int[] x) {
    int[] r = x.clone();
    r[r.length - 1] = b.not(r[r.length - 1]);
    return r;
  }

  /** {@code sel ? ifOne : ifZero} word-wise, {@code l} ANDs. */
  public static int[] mux(CircuitBuilder b, int sel, int[] ifOne, int[] ifZero) {
    checkSameLength(ifOne, ifZero);
    int[] r = new int[ifOne.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = b.mux(sel, ifOne[i], ifZero[i]);
    }
    return r;
  }

  /**
   * Arithmetic shift right by {@code f} of an {@code l}-bit two's-complement word: exactly
   * {@code reduce(signed(x) >> f)}, i.e. {@link FixedPointFormat#truncate(long)}; pure wiring.
   */
  public static int[] shiftRightArithmetic(int[] x, int f) {
    int l = x.length;
    if (f < 0 || f >= l) {
      throw new IllegalArgumentException("shift must be in [0, l)");
    }
    int[] r = new int[l];
    for (int i = 0; i < l; i++) {
      r[i] = i + f < l ? x[i + f] : x[l - 1];
    }
    return r;
  }

  /** {@code max(x, 0)} for a two's-complement word, {@code l - 1} ANDs (the sign bit is 0). */
  public static int[] relu(CircuitBuilder b, int[] x) {
    int l = x.length;
    int positive = b.not(x[l - 1]);
    int[] r = new int[l];
    for (int i = 0; i < l - 1; i++) {
      // bits that are copies of the sign (after an arithmetic shift) are 0 in the result
      r[i] = x[i] == x[l - 1] ? CircuitBuilder.ZERO : b.and(x[i], positive);
    }
    r[l - 1] = CircuitBuilder.ZERO;
    return r;
  }

  /**
   * Index of the largest two's-complement word (the first one on ties), as
   * {@code ceil(log2 k)} bits; a linear scan with one comparison and two multiplexers per
   * element.
   */
  public static int[] argmax(CircuitBuilder b, int[][] values) {
    int k = values.length;
    if (k < 1) {
      throw new IllegalArgumentException("argmax of nothing");
    }
    int bits = indexBits(k);
    int[] best = values[0];
    int[] idx = new int[bits];
    java.util.Arrays.fill(idx, CircuitBuilder.ZERO);
    for (int i = 1; i < k; i++) {
      int greater = lessThanSigned(b, best, values[i]);
      if (i < k - 1) {
        best = mux(b, greater, values[i], best);
      }
      int[] constant = new int[bits];
      for (int j = 0; j < bits; j++) {
        constant[j] = ((i >>> j) & 1) == 1 ? CircuitBuilder.ONE : CircuitBuilder.ZERO;
      }
      idx = mux(b, greater, constant, idx);
    }
    return idx;
  }

  /** Bits needed to write an index below {@code k}; at least 1. */
  public static int indexBits(int k) {
    return Math.max(1, 32 - Integer.numberOfLeadingZeros(k - 1));
  }

  /**
   * The per-neuron circuit of two-party inference: garbler inputs {@code z_O} (bits
   * {@code [0, l)}) and the mask {@code m} (bits {@code [l, 2l)}), evaluator input {@code z_U}
   * (bits {@code [0, l)}); output {@code ReLU((z_U + z_O mod 2^l) >>_arith f) - m mod 2^l},
   * bit-exact with {@code FixedPointFormat.truncate}. The evaluator learns the output, which is
   * uniform because {@code m} is; the garbler keeps {@code m} as its share. {@code 3l - f - 3}
   * AND gates: the adder {@code l - 1}, ReLU {@code l - f - 1} (the shifted word's top
   * {@code f + 1} bits are copies of the sign and ReLU makes them constant zero), the subtractor
   * {@code l - 1}.
   */
  public static Circuit reluReshare(FixedPointFormat format) {
    int l = format.ringBits();
    int f = format.fractionalBits();
    CircuitBuilder b = new CircuitBuilder(2 * l, l);
    int[] zo = b.garblerInputs(0, l);
    int[] m = b.garblerInputs(l, l);
    int[] zu = b.evaluatorInputs(0, l);
    int[] sum = add(b, zu, zo);
    int[] y = relu(b, shiftRightArithmetic(sum, f));
    return b.build(sub(b, y, m));
  }

  /**
   * Argmax of {@code k} secret-shared logits: garbler inputs the {@code k} words of {@code z_O}
   * ({@code l} bits each, word {@code i} at bits {@code [il, (i+1)l)}), evaluator inputs the
   * {@code k} words of {@code z_U}; outputs only the index of the largest
   * {@code z_U + z_O mod 2^l} (signed; the first on ties), {@link #indexBits(int)} bits.
   */
  public static Circuit argmaxOfShares(FixedPointFormat format, int k) {
    int l = format.ringBits();
    CircuitBuilder b = new CircuitBuilder(k * l, k * l);
    int[][] v = new int[k][];
    for (int i = 0; i < k; i++) {
      v[i] = add(b, b.evaluatorInputs(i * l, l), b.garblerInputs(i * l, l));
    }
    return b.build(argmax(b, v));
  }

  private static void checkSameLength(int[] x, int[] y) {
    if (x.length != y.length || x.length == 0) {
      throw new IllegalArgumentException("words must have the same, positive length");
    }
  }

  /** The {@code l} bits of {@code v}, least significant first, into {@code dst} at {@code off}. */
  public static void toBits(long v, int l, boolean[] dst, int off) {
    for (int i = 0; i < l; i++) {
      dst[off + i] = ((v >>> i) & 1) == 1;
    }
  }

  /** The value of {@code l} bits of {@code src} at {@code off}, least significant first. */
  public static long fromBits(boolean[] src, int off, int l) {
    long v = 0;
    for (int i = 0; i < l; i++) {
      v |= (src[off + i] ? 1L : 0L) << i;
    }
    return v;
  }
}
