package dev.oml.he.inference;

import dev.oml.he.HeException;

/**
 * The model cannot be evaluated homomorphically under the requested parameters: a layer without
 * a polynomial form (ReLU; use the two-party mode), a model that does not end with a linear
 * layer, or one too deep or too wide for 128-bit parameters. The message names the layer or the
 * limit and what to do instead.
 */
public class UnsupportedModelException extends HeException {
  private static final long serialVersionUID = 1L;

  public UnsupportedModelException(String message) {
    super(message);
  }
}
