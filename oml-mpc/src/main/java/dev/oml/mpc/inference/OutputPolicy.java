package dev.oml.mpc.inference;

/**
 * What the user learns at the end of a query, as the owner decides. {@link #LOGITS}: the owner
 * sends its share of the last layer and the user reconstructs the logits. {@link #LABEL}: the
 * last layer goes through a garbled argmax circuit and the user learns only the index of the
 * largest logit, which reveals far less per query to an extraction attempt. A model that ends
 * with an Argmax layer is always served as {@link #LABEL}.
 */
public enum OutputPolicy {
  /** The user receives the logits (fixed point, {@code f} fractional bits). */
  LOGITS(1),
  /** The user receives only the label. */
  LABEL(2);

  private final int code;

  OutputPolicy(int code) {
    this.code = code;
  }

  /** The byte that stands for this policy in the owner's offline reply. */
  public int code() {
    return code;
  }

  /** The policy with this code, or null. */
  public static OutputPolicy ofCode(int code) {
    for (OutputPolicy p : values()) {
      if (p.code == code) {
        return p;
      }
    }
    return null;
  }
}
