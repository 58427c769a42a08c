package dev.oml.core.model;

/**
 * Average pooling over square windows without padding. A linear layer with fixed weights
 * {@code 1 / kernel^2}, which is how fixed-point and secret-shared inference treat it.
 */
public record AvgPool2D(int kernel, int stride) implements Layer {
  public AvgPool2D {
    if (kernel <= 0 || stride <= 0) {
      throw new ModelValidationException("avgpool2d: kernel and stride must be positive, got k="
          + kernel + ", s=" + stride);
    }
  }

  @Override
  public String kind() {
    return "avgpool2d";
  }

  @Override
  public Shape outputShape(Shape input) {
    if (input.height() < kernel || input.width() < kernel) {
      throw new ModelValidationException("avgpool2d kernel " + kernel + " is larger than its input "
          + input);
    }
    return new Shape(input.channels(), (input.height() - kernel) / stride + 1,
        (input.width() - kernel) / stride + 1);
  }

  @Override
  public boolean isLinear() {
    return true;
  }
}
