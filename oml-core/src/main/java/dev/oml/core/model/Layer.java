package dev.oml.core.model;

/**
 * One layer of a feed-forward network. Layers are immutable values; parameter arrays are copied
 * on the way in and out. The set of layer kinds is closed, so every backend can match on it
 * exhaustively and refuse, by name, the kinds it cannot run.
 */
public sealed interface Layer
    permits Dense, Conv2D, AvgPool2D, MaxPool2D, Flatten, ReLU, Square, Polynomial, Argmax {

  /** A short lower-case name, used in files and error messages ({@code "dense"}, ...). */
  String kind();

  /**
   * The output shape for a given input shape.
   *
   * @throws ModelValidationException if the input shape does not fit this layer
   */
  Shape outputShape(Shape input);

  /** True for layers with trained parameters (weights and biases). */
  default boolean hasParameters() {
    return false;
  }

  /** True for layers that are linear maps of their input (the 2PC mode shares these). */
  default boolean isLinear() {
    return false;
  }
}
