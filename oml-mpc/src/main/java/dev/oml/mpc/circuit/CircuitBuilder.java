package dev.oml.mpc.circuit;

import java.util.Arrays;

/**
 * Builds a {@link Circuit} gate by gate, folding constants on the way: wires are {@code int}s,
 * with {@link #ZERO} and {@link #ONE} as symbolic constants that never become wires, so that
 * e.g. a subtractor's carry-in of 1 or ReLU's known-zero top bits cost no gates. Not thread-safe;
 * one builder builds one circuit.
 */
public final class CircuitBuilder {
  /** The constant 0. */
  public static final int ZERO = -1;
  /** The constant 1. */
  public static final int ONE = -2;

  private final int garblerInputs;
  private final int evaluatorInputs;
  private byte[] types = new byte[256];
  private int[] in0 = new int[256];
  private int[] in1 = new int[256];
  private int gates;
  private boolean built;

  /**
   * A builder whose circuit takes {@code garblerInputs} bits from the garbler and
   * {@code evaluatorInputs} bits from the evaluator.
   */
  public CircuitBuilder(int garblerInputs, int evaluatorInputs) {
    if (garblerInputs < 0 || evaluatorInputs < 0 || garblerInputs + evaluatorInputs == 0) {
      throw new IllegalArgumentException("a circuit needs at least one input");
    }
    this.garblerInputs = garblerInputs;
    this.evaluatorInputs = evaluatorInputs;
  }

  /** Wire of the garbler's input bit {@code i}. */
  public int garblerInput(int i) {
    if (i < 0 || i >= garblerInputs) {
      throw new IndexOutOfBoundsException(i);
    }
    return i;
  }

  /** Wires of the garbler's input bits {@code [from, from + n)}. */
  public int[] garblerInputs(int from, int n) {
    int[] w = new int[n];
    for (int i = 0; i < n; i++) {
      w[i] = garblerInput(from + i);
    }
    return w;
  }

  /** Wire of the evaluator's input bit {@code i}. */
  public int evaluatorInput(int i) {
    if (i < 0 || i >= evaluatorInputs) {
      throw new IndexOutOfBoundsException(i);
    }
    return garblerInputs + i;
  }

  /** Wires of the evaluator's input bits {@code [from, from + n)}. */
  public int[] evaluatorInputs(int from, int n) {
    int[] w = new int[n];
    for (int i = 0; i < n; i++) {
      w[i] = evaluatorInput(from + i);
    }
    return w;
  }

  private int gate(byte type, int a, int b) {
    if (built) {
      throw new IllegalStateException("this builder already built its circuit");
    }
    int limit = garblerInputs + evaluatorInputs + gates;
    if (a < 0 || a >= limit || (type != Circuit.INV && (b < 0 || b >= limit))) {
      throw new IllegalArgumentException("gate input is not an existing wire");
    }
    if (gates == types.length) {
      types = Arrays.copyOf(types, 2 * gates);
      in0 = Arrays.copyOf(in0, 2 * gates);
      in1 = Arrays.copyOf(in1, 2 * gates);
    }
    types[gates] = type;
    in0[gates] = a;
    in1[gates] = b;
    return garblerInputs + evaluatorInputs + gates++;
  }

  /** {@code a ^ b}; free to garble. */
  public int xor(int a, int b) {
    if (a == ZERO) {
      return b;
    }
    if (b == ZERO) {
      return a;
    }
    if (a == ONE) {
      return not(b);
    }
    if (b == ONE) {
      return not(a);
    }
    if (a == b) {
      return ZERO;
    }
    return gate(Circuit.XOR, a, b);
  }

  /** {@code a & b}; one AND gate unless an input is constant or both are the same wire. */
  public int and(int a, int b) {
    if (a == ZERO || b == ZERO) {
      return ZERO;
    }
    if (a == ONE) {
      return b;
    }
    if (b == ONE || a == b) {
      return a;
    }
    return gate(Circuit.AND, a, b);
  }

  /** {@code !a}; free to garble. */
  public int not(int a) {
    if (a == ZERO) {
      return ONE;
    }
    if (a == ONE) {
      return ZERO;
    }
    return gate(Circuit.INV, a, 0);
  }

  /** {@code a | b = a ^ b ^ (a & b)}; one AND gate. */
  public int or(int a, int b) {
    return xor(xor(a, b), and(a, b));
  }

  /** {@code sel ? ifOne : ifZero = ifZero ^ (sel & (ifOne ^ ifZero))}; one AND gate. */
  public int mux(int sel, int ifOne, int ifZero) {
    return xor(ifZero, and(sel, xor(ifOne, ifZero)));
  }

  /** Number of AND gates so far. */
  public int andGates() {
    int n = 0;
    for (int g = 0; g < gates; g++) {
      n += types[g] == Circuit.AND ? 1 : 0;
    }
    return n;
  }

  /**
   * Finishes the circuit with the given output wires (constants allowed: they are materialized
   * from an input wire with free gates). The builder cannot be used afterwards.
   */
  public Circuit build(int... outputWires) {
    int[] outs = outputWires.clone();
    for (int i = 0; i < outs.length; i++) {
      if (outs[i] == ZERO || outs[i] == ONE) {
        int zero = gate(Circuit.XOR, 0, 0);
        outs[i] = outs[i] == ZERO ? zero : gate(Circuit.INV, zero, 0);
      } else if (outs[i] < 0 || outs[i] >= garblerInputs + evaluatorInputs + gates) {
        throw new IllegalArgumentException("output is not an existing wire");
      }
    }
    built = true;
    return new Circuit(garblerInputs, evaluatorInputs, Arrays.copyOf(types, gates),
        Arrays.copyOf(in0, gates), Arrays.copyOf(in1, gates), outs);
  }
}
