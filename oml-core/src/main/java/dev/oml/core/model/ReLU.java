package dev.oml.core.model;

/** {@code max(0, x)} elementwise. Exact in the 2PC mode; the HE mode cannot run it. */
public record ReLU() implements Layer {
  @Override
  public String kind() {
    return "relu";
  }

  @Override
  public Shape outputShape(Shape input) {
    return input;
  }
}
