package dev.oml.mpc.circuit;

import java.util.Arrays;

/**
 * An immutable Boolean circuit of XOR, AND and INV gates in a compact array form: wires
 * {@code [0, g)} are the garbler's inputs, {@code [g, g + e)} the evaluator's, and gate {@code i}
 * drives wire {@code g + e + i}. Gates are stored in topological order; outputs name wires.
 *
 * <p>Only AND gates cost anything to garble (free-XOR makes XOR and INV free), so the circuit
 * also records, for each AND gate, its AND-depth level: garbling and evaluation process all AND
 * gates of one level together, which turns per-gate AES calls into a few large batched ones.
 * Build circuits with {@link CircuitBuilder}; use the library in {@link Circuits}.
 */
public final class Circuit {
  /** Gate type: {@code out = a ^ b}. */
  public static final byte XOR = 0;
  /** Gate type: {@code out = a & b}. */
  public static final byte AND = 1;
  /** Gate type: {@code out = !a}. */
  public static final byte INV = 2;

  private final int garblerInputs;
  private final int evaluatorInputs;
  private final byte[] types;
  private final int[] in0;
  private final int[] in1;
  private final int[] outputs;
  private final int andCount;
  private final int[] andIndex;
  private final int[] linearOrder;
  private final int[] linearStart;
  private final int[] andOrder;
  private final int[] andStart;
  private volatile byte[] fingerprint;

  Circuit(int garblerInputs, int evaluatorInputs, byte[] types, int[] in0, int[] in1,
      int[] outputs) {
    this.garblerInputs = garblerInputs;
    this.evaluatorInputs = evaluatorInputs;
    this.types = types;
    this.in0 = in0;
    this.in1 = in1;
    this.outputs = outputs;
    int n = types.length;
    int inputs = garblerInputs + evaluatorInputs;
    int[] depth = new int[inputs + n];
    int[] level = new int[n];
    int maxLevel = 0;
    int ands = 0;
    andIndex = new int[n];
    for (int g = 0; g < n; g++) {
      int d = depth[in0[g]];
      if (types[g] != INV) {
        d = Math.max(d, depth[in1[g]]);
      }
      level[g] = d;
      maxLevel = Math.max(maxLevel, d);
      depth[inputs + g] = types[g] == AND ? d + 1 : d;
      andIndex[g] = types[g] == AND ? ands++ : -1;
    }
    this.andCount = ands;
    int levels = maxLevel + 1;
    linearStart = new int[levels + 1];
    andStart = new int[levels + 1];
    for (int g = 0; g < n; g++) {
      if (types[g] == AND) {
        andStart[level[g] + 1]++;
      } else {
        linearStart[level[g] + 1]++;
      }
    }
    for (int l = 0; l < levels; l++) {
      linearStart[l + 1] += linearStart[l];
      andStart[l + 1] += andStart[l];
    }
    linearOrder = new int[n - ands];
    andOrder = new int[ands];
    int[] lp = Arrays.copyOf(linearStart, levels);
    int[] ap = Arrays.copyOf(andStart, levels);
    for (int g = 0; g < n; g++) {
      if (types[g] == AND) {
        andOrder[ap[level[g]]++] = g;
      } else {
        linearOrder[lp[level[g]]++] = g;
      }
    }
  }

  /** Number of input bits the garbler supplies. */
  public int garblerInputs() {
    return garblerInputs;
  }

  /** Number of input bits the evaluator supplies (each costs one OT). */
  public int evaluatorInputs() {
    return evaluatorInputs;
  }

  /** Number of output bits. */
  public int outputs() {
    return outputs.length;
  }

  /** Number of gates of all types. */
  public int gates() {
    return types.length;
  }

  /** Number of AND gates: each costs two ciphertexts (256 bits) of garbled table. */
  public int andGates() {
    return andCount;
  }

  /** AND depth: the number of batched AND levels. */
  public int andDepth() {
    return andStart.length - 1;
  }

  /** Total number of wires: inputs plus one per gate. */
  public int wires() {
    return garblerInputs + evaluatorInputs + types.length;
  }

  /**
   * Evaluates in the clear, the correctness oracle for garbling: {@code garblerBits} and
   * {@code evaluatorBits} in input order, outputs in output order.
   *
   * @throws IllegalArgumentException if an input has the wrong length
   */
  public boolean[] evaluate(boolean[] garblerBits, boolean[] evaluatorBits) {
    if (garblerBits.length != garblerInputs || evaluatorBits.length != evaluatorInputs) {
      throw new IllegalArgumentException("expected " + garblerInputs + " garbler and "
          + evaluatorInputs + " evaluator input bits");
    }
    boolean[] w = new boolean[wires()];
    System.arraycopy(garblerBits, 0, w, 0, garblerInputs);
    System.arraycopy(evaluatorBits, 0, w, garblerInputs, evaluatorInputs);
    int base = garblerInputs + evaluatorInputs;
    for (int g = 0; g < types.length; g++) {
      boolean a = w[in0[g]];
      w[base + g] = switch (types[g]) {
        case XOR -> a ^ w[in1[g]];
        case AND -> a & w[in1[g]];
        default -> !a;
      };
    }
    boolean[] out = new boolean[outputs.length];
    for (int i = 0; i < outputs.length; i++) {
      out[i] = w[outputs[i]];
    }
    return out;
  }

  // Package-visible views for the garbling engine; the arrays are never handed out to callers.

  /** Gate type of gate {@code g}. */
  public byte type(int g) {
    return types[g];
  }

  /** First input wire of gate {@code g}. */
  public int input0(int g) {
    return in0[g];
  }

  /** Second input wire of gate {@code g} (undefined for INV). */
  public int input1(int g) {
    return in1[g];
  }

  /** Wire driven by gate {@code g}. */
  public int outputWireOf(int g) {
    return garblerInputs + evaluatorInputs + g;
  }

  /** Wire of output {@code i}. */
  public int outputWire(int i) {
    return outputs[i];
  }

  /** Index of gate {@code g} among AND gates (stable; used for hash tweaks), or -1. */
  public int andIndex(int g) {
    return andIndex[g];
  }

  /** Number of levels of the batched schedule. */
  public int levels() {
    return andStart.length - 1;
  }

  /** The free gates of level {@code l}, to run before that level's AND gates. */
  public int[] freeGatesAtLevel(int l) {
    return Arrays.copyOfRange(linearOrder, linearStart[l], linearStart[l + 1]);
  }

  /** The AND gates of level {@code l}, all of whose inputs are ready once level {@code l}'s
   * free gates ran. */
  public int[] andGatesAtLevel(int l) {
    return Arrays.copyOfRange(andOrder, andStart[l], andStart[l + 1]);
  }

  /**
   * A 16-byte SHA-256 digest of the circuit's structure (inputs, gates, outputs). The garbler
   * sends it with the tables so that an evaluator that built a different circuit (another
   * format, another layer width) aborts instead of decoding garbage.
   */
  public byte[] fingerprint() {
    byte[] f = fingerprint;
    if (f == null) {
      try {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + 9 * types.length
            + 4 * outputs.length);
        b.putInt(garblerInputs).putInt(evaluatorInputs).putInt(types.length);
        for (int g = 0; g < types.length; g++) {
          b.put(types[g]).putInt(in0[g]).putInt(types[g] == INV ? 0 : in1[g]);
        }
        for (int o : outputs) {
          b.putInt(o);
        }
        md.update("OML/circuit/v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        f = Arrays.copyOf(md.digest(b.array()), 16);
        fingerprint = f;
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JDK has no SHA-256", e);
      }
    }
    return f.clone();
  }

  @Override
  public String toString() {
    return "Circuit(" + garblerInputs + " garbler inputs, " + evaluatorInputs
        + " evaluator inputs, " + outputs.length + " outputs, " + andCount + " AND of "
        + types.length + " gates, AND depth " + andDepth() + ")";
  }
}
