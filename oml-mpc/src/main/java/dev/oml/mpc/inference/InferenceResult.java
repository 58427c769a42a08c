package dev.oml.mpc.inference;

import dev.oml.core.fixedpoint.FixedPointFormat;

/**
 * What the user learns from one two-party query: the label, and under {@link
 * OutputPolicy#LOGITS} also the logits as canonical ring elements at {@code f} fractional bits
 * (bit-exact with {@code FixedPointInference.logits}); under {@link OutputPolicy#LABEL} the
 * logits are absent.
 */
public final class InferenceResult {
  private final FixedPointFormat format;
  private final long[] logits;
  private final int label;

  InferenceResult(FixedPointFormat format, long[] logits, int label) {
    this.format = format;
    this.logits = logits;
    this.label = label;
  }

  /** The index of the largest logit (the first on ties). */
  public int label() {
    return label;
  }

  /** True if the logits were revealed (policy {@link OutputPolicy#LOGITS}). */
  public boolean hasLogits() {
    return logits != null;
  }

  /**
   * A copy of the logits in the ring.
   *
   * @throws IllegalStateException under {@link OutputPolicy#LABEL}
   */
  public long[] logits() {
    if (logits == null) {
      throw new IllegalStateException("the owner's policy reveals only the label");
    }
    return logits.clone();
  }

  /** The logits decoded to real numbers. */
  public double[] decodedLogits() {
    long[] y = logits();
    double[] out = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = format.decode(y[i]);
    }
    return out;
  }
}
