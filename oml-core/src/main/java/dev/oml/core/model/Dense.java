package dev.oml.core.model;

import java.util.Arrays;

/**
 * Fully connected layer {@code y = W x + b} with {@code W} of size {@code outputs x inputs},
 * row-major. Accepts any input shape whose size equals {@code inputs} (it is read flat).
 */
public final class Dense implements Layer {
  private final int inputs;
  private final int outputs;
  private final double[] weights;
  private final double[] bias;

  /**
   * @param weights row-major {@code outputs x inputs}, copied
   * @param bias length {@code outputs}, copied
   */
  public Dense(int inputs, int outputs, double[] weights, double[] bias) {
    if (inputs <= 0 || outputs <= 0) {
      throw new ModelValidationException("dense: sizes must be positive, got " + inputs + " -> " + outputs);
    }
    if (weights.length != (long) inputs * outputs) {
      throw new ModelValidationException("dense " + inputs + " -> " + outputs + ": weight tensor has "
          + weights.length + " elements, expected " + ((long) inputs * outputs));
    }
    if (bias.length != outputs) {
      throw new ModelValidationException("dense " + inputs + " -> " + outputs + ": bias has "
          + bias.length + " elements, expected " + outputs);
    }
    Parameters.requireFinite("dense", weights);
    Parameters.requireFinite("dense", bias);
    this.inputs = inputs;
    this.outputs = outputs;
    this.weights = weights.clone();
    this.bias = bias.clone();
  }

  public int inputs() {
    return inputs;
  }

  public int outputs() {
    return outputs;
  }

  /** A copy of the row-major weights. */
  public double[] weights() {
    return weights.clone();
  }

  /** A copy of the bias. */
  public double[] bias() {
    return bias.clone();
  }

  /** One weight, without copying. */
  public double weight(int row, int col) {
    return weights[row * inputs + col];
  }

  /** One bias entry, without copying. */
  public double bias(int row) {
    return bias[row];
  }

  @Override
  public String kind() {
    return "dense";
  }

  @Override
  public Shape outputShape(Shape input) {
    if (input.size() != inputs) {
      throw new ModelValidationException(
          "dense " + inputs + " -> " + outputs + " cannot take input of shape " + input);
    }
    return Shape.vector(outputs);
  }

  @Override
  public boolean hasParameters() {
    return true;
  }

  @Override
  public boolean isLinear() {
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Dense d && d.inputs == inputs && d.outputs == outputs
        && Arrays.equals(d.weights, weights) && Arrays.equals(d.bias, bias);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(weights) * 31 + Arrays.hashCode(bias);
  }

  @Override
  public String toString() {
    return "Dense(" + inputs + " -> " + outputs + ")";
  }
}
