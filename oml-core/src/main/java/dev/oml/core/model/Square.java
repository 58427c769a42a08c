package dev.oml.core.model;

/** {@code x^2} elementwise: the CryptoNets activation, one multiplicative level in HE. */
public record Square() implements Layer {
  @Override
  public String kind() {
    return "square";
  }

  @Override
  public Shape outputShape(Shape input) {
    return input;
  }
}
