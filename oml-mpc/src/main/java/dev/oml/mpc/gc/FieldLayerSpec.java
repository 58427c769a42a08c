package dev.oml.mpc.gc;

import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.Circuits;
import dev.oml.mpc.circuit.FieldCircuits;

/**
 * What one tier-2 garbled layer computes over {@code F_p}: {@code neurons} ReLU-truncate-reshare
 * circuits for a hidden layer followed by ReLU ({@link Kind#HIDDEN}), truncate-and-reshare for a
 * hidden layer without ReLU ({@link Kind#TRUNCATE}, e.g. a convolution before average pooling, or
 * the pooling itself) or for a last layer under the LOGITS policy ({@link Kind#LOGITS}), or one
 * argmax over {@code neurons} logits under the LABEL policy ({@link Kind#LABEL}). Both sides
 * build the same spec; the garbler's first message carries the circuit's fingerprint so that a
 * mismatch aborts. For the last-layer kinds the owner withholds the output decoding until the
 * batched MAC check has accepted. Immutable.
 *
 * @param kind what the layer computes
 * @param neurons values per side (the layer width, or the number of logits)
 * @param fractionalBits {@code f}, the truncation after the product (ignored by LABEL)
 */
public record FieldLayerSpec(Kind kind, int neurons, int fractionalBits) {
  /** The layer's nonlinearity. */
  public enum Kind {
    /** ReLU, truncation and re-share; U decodes its new share at once (it is masked). */
    HIDDEN,
    /** Truncation and re-share, no ReLU; decoding only after the MAC check. */
    LOGITS,
    /**
     * Truncation and re-share, no ReLU, for a hidden layer; U decodes its new share at once (it
     * is masked, as for {@link #HIDDEN}). The field reference truncates after every linear layer,
     * so a hidden layer without ReLU still needs its own circuit to stay bit exact.
     */
    TRUNCATE,
    /** Argmax of the logits; the index is decoded only after the MAC check. */
    LABEL
  }

  /** Largest layer: one garbling covers at most this many values. */
  public static final int MAX_NEURONS = 1 << 16;

  /**
   * Validates.
   *
   * @throws IllegalArgumentException if a field is out of range
   */
  public FieldLayerSpec {
    if (kind == null) {
      throw new IllegalArgumentException("kind is required");
    }
    if (neurons < 1 || neurons > MAX_NEURONS || (kind == Kind.LABEL && neurons > 1024)) {
      throw new IllegalArgumentException("neurons must be in [1, 65536] (argmax: [1, 1024])");
    }
    if (fractionalBits < 0 || fractionalBits > FieldCircuits.BITS - 2) {
      throw new IllegalArgumentException("fractional bits must be in [0, 44]");
    }
  }

  /** The circuit garbled (once per neuron, or once for LABEL). */
  public Circuit circuit() {
    return switch (kind) {
      case HIDDEN -> FieldCircuits.reluReshare(fractionalBits);
      case LOGITS, TRUNCATE -> FieldCircuits.truncateReshare(fractionalBits);
      case LABEL -> FieldCircuits.argmaxOfShares(neurons);
    };
  }

  /** Garbled instances of {@link #circuit()}. */
  public int instances() {
    return kind == Kind.LABEL ? 1 : neurons;
  }

  /** Whether the owner sends the output decoding only after the MAC check accepted. */
  public boolean decodingWithheld() {
    return kind == Kind.LOGITS || kind == Kind.LABEL;
  }

  /** Decoded output bits: 46 per neuron, or the index bits of the argmax. */
  int decodedBits() {
    return kind == Kind.LABEL ? Circuits.indexBits(neurons) : FieldCircuits.BITS * neurons;
  }

  /** Garbler input bits per instance sent online ({@code z_O}); the rest ({@code m}) offline. */
  int onlineGarblerInputs() {
    return kind == Kind.LABEL ? FieldCircuits.BITS * neurons : FieldCircuits.BITS;
  }
}
