package dev.oml.mpc.inference;

import dev.oml.core.OmlException;

/**
 * The two-party mode cannot run this model: a layer (or a layer order) it has no protocol for.
 * The mode runs linear layers (Dense, Conv2D and AvgPool2D as matrix products), ReLU after a
 * linear layer, Flatten, and a final Argmax; Square and Polynomial activations belong to the HE
 * mode. The message names the layer by index and kind.
 */
public final class UnsupportedLayerException extends OmlException {
  private static final long serialVersionUID = 1L;

  public UnsupportedLayerException(String message) {
    super(message);
  }
}
