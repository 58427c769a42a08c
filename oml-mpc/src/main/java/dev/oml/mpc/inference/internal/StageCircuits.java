package dev.oml.mpc.inference.internal;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.CircuitBuilder;
import dev.oml.mpc.circuit.Circuits;

/**
 * The garbled circuits of two-party inference, all bit-exact with {@link
 * FixedPointFormat#truncate(long)}: the per-neuron re-sharing circuit with or without ReLU
 * (garbler inputs {@code z_O} then the mask {@code m}, evaluator input {@code z_U}; output
 * {@code act(trunc(z_U + z_O)) - m}), and the label circuit (garbler inputs the {@code k} words
 * of {@code z_O}, evaluator inputs those of {@code z_U}; output only the index of the largest
 * {@code act(trunc(z_U + z_O))}, the first on ties, as the fixed-point reference's argmax).
 */
public final class StageCircuits {
  private StageCircuits() {}

  /** Re-sharing after a linear layer: with ReLU, the library's ReLU-and-reshare circuit. */
  public static Circuit reshare(FixedPointFormat format, boolean relu) {
    if (relu) {
      return Circuits.reluReshare(format);
    }
    int l = format.ringBits();
    CircuitBuilder b = new CircuitBuilder(2 * l, l);
    int[] zo = b.garblerInputs(0, l);
    int[] m = b.garblerInputs(l, l);
    int[] zu = b.evaluatorInputs(0, l);
    int[] y = Circuits.shiftRightArithmetic(Circuits.add(b, zu, zo), format.fractionalBits());
    return b.build(Circuits.sub(b, y, m));
  }

  /** The label of {@code k} secret-shared pre-activations of the last layer. */
  public static Circuit label(FixedPointFormat format, int k, boolean relu) {
    int l = format.ringBits();
    CircuitBuilder b = new CircuitBuilder(k * l, k * l);
    int[][] v = new int[k][];
    for (int i = 0; i < k; i++) {
      int[] sum = Circuits.add(b, b.evaluatorInputs(i * l, l), b.garblerInputs(i * l, l));
      int[] t = Circuits.shiftRightArithmetic(sum, format.fractionalBits());
      v[i] = relu ? Circuits.relu(b, t) : t;
    }
    return b.build(Circuits.argmax(b, v));
  }
}
