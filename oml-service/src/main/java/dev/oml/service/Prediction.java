package dev.oml.service;

import dev.oml.core.field.FieldFixedPoint;
import dev.oml.he.inference.HeResult;
import dev.oml.mpc.inference.InferenceResult;
import dev.oml.mpc.tier2.Tier2User;

/**
 * The answer to one image of a permitted query, in either mode: the label (index of the largest
 * logit) and, where the owner's policy reveals them, the logits as real numbers. In the
 * two-party mode the logits are the fixed-point model's exactly (decoded from F_p); in the
 * HE mode they are approximations within the plan's answer precision.
 */
public final class Prediction {
  private final int label;
  private final double[] logits;

  private Prediction(int label, double[] logits) {
    this.label = label;
    this.logits = logits;
  }

  static Prediction of(InferenceResult r) {
    return new Prediction(r.label(), r.hasLogits() ? r.decodedLogits() : null);
  }

  static Prediction of(Tier2User.Result r, int fractionalBits) {
    if (r.logits() == null) {
      return new Prediction(r.label(), null);
    }
    double[] logits = new double[r.logits().length];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = FieldFixedPoint.decode(r.logits()[i], fractionalBits);
    }
    return new Prediction(r.label(), logits);
  }

  static Prediction of(HeResult r, int image) {
    return new Prediction(r.label(image), r.logits(image));
  }

  /** The predicted class. */
  public int label() {
    return label;
  }

  /** True if the owner revealed the logits (it may reveal only the label). */
  public boolean hasLogits() {
    return logits != null;
  }

  /**
   * A copy of the logits.
   *
   * @throws IllegalStateException if the owner's policy reveals only the label
   */
  public double[] logits() {
    if (logits == null) {
      throw new IllegalStateException("the owner's policy reveals only the label");
    }
    return logits.clone();
  }

  @Override
  public String toString() {
    return "Prediction[label=" + label + (logits == null ? "" : ", logits=" + java.util.Arrays.toString(logits)) + "]";
  }
}
