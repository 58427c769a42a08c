package dev.oml.mpc.gc;

import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.Circuits;
import dev.oml.mpc.circuit.FieldCircuits;

/**
 * What one tier-2 garbled layer computes over {@code F_p}: {@code neurons} ReLU-and-truncate
 * circuits for a hidden layer followed by ReLU ({@link Kind#HIDDEN}, re-shared by the share
 * tables of {@link FieldLayerGarbler}), truncation for a
 * hidden layer without ReLU ({@link Kind#TRUNCATE}, e.g. a convolution before average pooling, or
 * the pooling itself) or for a last layer under the LOGITS policy ({@link Kind#LOGITS}), or one
 * argmax over {@code neurons} logits under the LABEL policy ({@link Kind#LABEL}). Both sides
 * build the same spec; the garbler's first message carries the circuit's fingerprint so that a
 * mismatch aborts. For the last-layer kinds the owner withholds the output decoding until the
 * batched MAC check has accepted. Immutable.
 *
 * <p>A {@code window} above 1 fuses max pooling into a HIDDEN or TRUNCATE layer: each of the
 * {@code neurons} instances ({@link FieldCircuits#maxTruncate}) takes the {@code window}
 * pre-activations of one pooling window, truncates each, and outputs their maximum (after ReLU
 * for HIDDEN). The licensee then feeds {@code neurons * window} values (a pre-activation that
 * lies in several windows is fed once per window), and gets {@code neurons} output shares.
 *
 * @param kind what the layer computes
 * @param neurons output values per side (the layer width, the number of pooled values, or the
 *     number of logits)
 * @param fractionalBits {@code f}, the truncation after the product (ignored by LABEL)
 * @param window pre-activations per output value: 1, or the pooling window {@code k^2}
 */
public record FieldLayerSpec(Kind kind, int neurons, int fractionalBits, int window) {
  /** The layer's nonlinearity. */
  public enum Kind {
    /**
     * ReLU and truncation; U gets its new share at once, from the share table over the result's
     * wires (nothing is decoded).
     */
    HIDDEN,
    /** Truncation and re-share, no ReLU; decoding only after the MAC check. */
    LOGITS,
    /**
     * Truncation, no ReLU, for a hidden layer; U gets its new share at once from the share
     * table, as for {@link #HIDDEN}. The field reference truncates after every linear layer,
     * so a hidden layer without ReLU still needs its own circuit to stay bit exact.
     */
    TRUNCATE,
    /** Argmax of the logits; the index is decoded only after the MAC check. */
    LABEL
  }

  /** Largest layer: one garbling covers at most this many values. */
  public static final int MAX_NEURONS = 1 << 16;

  /** Largest pooling window (values per instance). */
  public static final int MAX_WINDOW = 1024;

  /**
   * A layer without pooling ({@code window = 1}).
   *
   * @throws IllegalArgumentException if a field is out of range
   */
  public FieldLayerSpec(Kind kind, int neurons, int fractionalBits) {
    this(kind, neurons, fractionalBits, 1);
  }

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
    if (window < 1 || window > MAX_WINDOW || (long) neurons * window > MAX_NEURONS) {
      throw new IllegalArgumentException("window must be in [1, 1024] and neurons * window at"
          + " most 65536");
    }
    if (window > 1 && kind != Kind.HIDDEN && kind != Kind.TRUNCATE) {
      throw new IllegalArgumentException("only a hidden layer (HIDDEN or TRUNCATE) pools");
    }
  }

  /** The circuit garbled (once per neuron, or once for LABEL). */
  public Circuit circuit() {
    return switch (kind) {
      case HIDDEN -> FieldCircuits.maxTruncate(fractionalBits, window, true);
      case TRUNCATE -> FieldCircuits.maxTruncate(fractionalBits, window, false);
      case LOGITS -> FieldCircuits.truncateReshare(fractionalBits);
      case LABEL -> FieldCircuits.argmaxOfShares(neurons);
    };
  }

  /** Garbled instances of {@link #circuit()}. */
  public int instances() {
    return kind == Kind.LABEL ? 1 : neurons;
  }

  /**
   * Values the licensee feeds in ({@code z_U}) and the owner too ({@code z_O}): one per
   * logit for LABEL, else {@code neurons * window}, window by window.
   */
  public int inputs() {
    return kind == Kind.LABEL ? neurons : neurons * window;
  }

  /** Whether the owner sends the output decoding only after the MAC check accepted. */
  public boolean decodingWithheld() {
    return kind == Kind.LOGITS || kind == Kind.LABEL;
  }

  /**
   * Whether U's output share comes from share tables over the circuit's result wires (HIDDEN,
   * TRUNCATE: the circuit outputs the result and nothing is decoded) rather than from decoding a
   * re-shared word after the MAC check (LOGITS).
   */
  boolean sharedOutput() {
    return kind == Kind.HIDDEN || kind == Kind.TRUNCATE;
  }

  /** Output wires per instance that carry the result or U's share (0 for LABEL). */
  int resultBits() {
    return kind == Kind.LABEL ? 0 : resultWeights().length;
  }

  /**
   * The public weights of those wires: the value is their weighted sum mod p (HIDDEN, TRUNCATE:
   * {@link FieldCircuits#resultWeights}; LOGITS: the binary word of U's share).
   */
  long[] resultWeights() {
    return switch (kind) {
      case HIDDEN, TRUNCATE -> FieldCircuits.resultWeights(fractionalBits, window,
          kind == Kind.HIDDEN);
      case LOGITS -> dev.oml.mpc.auth.LabelTable.unsignedWeights(FieldCircuits.BITS);
      case LABEL -> new long[0];
    };
  }

  /** Decoded output bits: 46 per neuron (LOGITS), the index bits (LABEL), else none. */
  int decodedBits() {
    return switch (kind) {
      case LABEL -> Circuits.indexBits(neurons);
      case LOGITS -> FieldCircuits.BITS * neurons;
      case HIDDEN, TRUNCATE -> 0;
    };
  }

  /** Garbler input bits per instance sent online ({@code z_O}); the rest ({@code m}) offline. */
  int onlineGarblerInputs() {
    return kind == Kind.LABEL ? FieldCircuits.BITS * neurons : FieldCircuits.BITS * window;
  }
}
