package dev.oml.core.model;

/** Shared checks for layer parameters. */
final class Parameters {
  private Parameters() {}

  static void requireFinite(String layer, double[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        throw new ModelValidationException(
            layer + ": parameter " + i + " is " + values[i] + "; weights must be finite");
      }
    }
  }
}
