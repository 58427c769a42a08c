package dev.oml.core.model;

/**
 * Marks that the model's answer is the index of its largest output (the label) rather than
 * the logits. Must be the last layer and take a vector.
 */
public record Argmax() implements Layer {
  @Override
  public String kind() {
    return "argmax";
  }

  @Override
  public Shape outputShape(Shape input) {
    if (!input.isVector()) {
      throw new ModelValidationException("argmax needs a vector input, got " + input
          + "; add a flatten layer");
    }
    return Shape.vector(1);
  }
}
