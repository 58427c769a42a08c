package dev.oml.core.model;

/** Reads a {@code c x h x w} activation as a vector of length {@code c*h*w}; data unchanged. */
public record Flatten() implements Layer {
  @Override
  public String kind() {
    return "flatten";
  }

  @Override
  public Shape outputShape(Shape input) {
    return Shape.vector(input.size());
  }
}
