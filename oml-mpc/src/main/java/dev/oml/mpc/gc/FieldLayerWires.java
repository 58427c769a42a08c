package dev.oml.mpc.gc;

import dev.oml.core.field.PrimeField;
import dev.oml.mpc.auth.LabelTable;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.Circuits;
import dev.oml.mpc.circuit.FieldCircuits;

/**
 * Where the bits of a field layer's values sit in HalfGates' wire-major label arrays, shared by
 * both sides so that the garbler's and the evaluator's label tables cover the same wires. Input
 * value {@code u}, bit {@code j} of a per-neuron layer with window {@code w} is wire
 * {@code 46 (u mod w) + j} of instance {@code u / w} (wire {@code j} of instance {@code u} without
 * pooling), its canonicity flag output {@code b + (u mod w)} of that instance ({@code b} result
 * wires: {@code 46 - f} for HIDDEN, 46 for TRUNCATE and LOGITS); of an argmax layer it is wire
 * {@code 46 u + j} of its single instance. Output value {@code v} is instance {@code v}'s result
 * (HIDDEN, TRUNCATE) or share (LOGITS), on output wires {@code [0, b)}.
 */
final class FieldLayerWires {
  static final int K = FieldCircuits.BITS;
  /** Wires per value in the input table: the 46 bits of {@code z_U} and the canonicity flag. */
  static final int INPUT_WIRES = K + 1;
  static final long INPUT_TWEAKS = LabelTable.tweakBase(0);
  static final long OUTPUT_TWEAKS = LabelTable.tweakBase(1);
  /** The share table's tweaks (HIDDEN, TRUNCATE): distinct from both other tables'. */
  static final long SHARE_TWEAKS = LabelTable.tweakBase(2);

  final FieldLayerSpec spec;
  final Circuit circuit;
  final int n;
  /** Input values ({@code z_U}, {@code z_O}, the input table). */
  final int values;
  /** Output values (U's shares, the output table, the masks). */
  final int outputs;
  final int window;
  final boolean label;
  /** Result wires per instance (the re-shared word for LOGITS), before the flags. */
  final int resultBits;

  FieldLayerWires(FieldLayerSpec spec) {
    this.spec = spec;
    this.circuit = spec.circuit();
    this.n = spec.instances();
    this.values = spec.inputs();
    this.outputs = spec.neurons();
    this.window = spec.window();
    this.label = spec.kind() == FieldLayerSpec.Kind.LABEL;
    this.resultBits = spec.resultBits();
  }

  /** Block of input wire {@code wire} (garbler wires first) of instance {@code k}. */
  int block(int wire, int k) {
    return wire * n + k;
  }

  /** Block, among the evaluator's or the garbler's online inputs, of value v's bit j. */
  int valueBlock(int firstWire, int v, int j) {
    return label ? block(firstWire + K * v + j, 0)
        : block(firstWire + K * (v % window) + j, v / window);
  }

  int evaluatorBlock(int v, int j) {
    return valueBlock(circuit.garblerInputs(), v, j);
  }

  int flagOutputBlock(int v) {
    return label ? Circuits.indexBits(values) + v
        : block(resultBits + v % window, v / window);
  }

  int shareOutputBlock(int v, int j) {
    return block(j, v);
  }

  /**
   * The output blocks whose decoding U gets: share bits (j-major, LOGITS), the index bits
   * (LABEL), or none (HIDDEN, TRUNCATE: U's share comes from the share table).
   */
  int[] decodedBlocks() {
    int[] b = new int[spec.decodedBits()];
    if (label) {
      for (int j = 0; j < b.length; j++) {
        b[j] = j;
      }
    } else if (b.length > 0) {
      for (int j = 0; j < K; j++) {
        for (int v = 0; v < outputs; v++) {
          b[j * outputs + v] = shareOutputBlock(v, j);
        }
      }
    }
    return b;
  }

  static int words(int bits) {
    return (bits + 63) / 64;
  }

  private static void copy(long[] src, int block, long[] dst, int at) {
    dst[2 * at] = src[2 * block];
    dst[2 * at + 1] = src[2 * block + 1];
  }

  /** The input table's labels (z_U bits, then the flag), table layout wire-major over values. */
  long[] gatherInput(long[] inputLabels, long[] outputLabels) {
    long[] t = new long[2 * INPUT_WIRES * values];
    for (int v = 0; v < values; v++) {
      for (int j = 0; j < K; j++) {
        copy(inputLabels, evaluatorBlock(v, j), t, j * values + v);
      }
      copy(outputLabels, flagOutputBlock(v), t, K * values + v);
    }
    return t;
  }

  /** The output tables' labels (the result's or U's share's bits). */
  long[] gatherOutput(long[] outputLabels) {
    long[] t = new long[2 * resultBits * outputs];
    for (int v = 0; v < outputs; v++) {
      for (int j = 0; j < resultBits; j++) {
        copy(outputLabels, shareOutputBlock(v, j), t, j * outputs + v);
      }
    }
    return t;
  }

  static int[] tableWires(int k) {
    int[] w = new int[k];
    for (int i = 0; i < k; i++) {
      w[i] = i;
    }
    return w;
  }

  /** Input table weights: {@code 2^j} for z_U's bits, {@code flagWeight} for the flag. */
  static long[] inputWeights(long flagWeight) {
    long[] w = java.util.Arrays.copyOf(LabelTable.unsignedWeights(K), INPUT_WIRES);
    w[K] = flagWeight;
    return w;
  }

  long[] outputWeights() {
    return spec.resultWeights();
  }

  static void requireCanonical(long[] v, int n, String what) {
    if (v == null || v.length != n) {
      throw new IllegalArgumentException(what + ": expected " + n + " values");
    }
    PrimeField.requireCanonical(v, what);
  }
}
