package dev.oml.he.inference;

/**
 * What the user decrypts from an answer: the logits of each image of its query (approximate,
 * within the plan's estimated error) and the labels, the index of the largest logit (first on
 * ties).
 */
public final class HeResult {
  private final double[][] logits;
  private final int[] labels;

  HeResult(double[][] logits) {
    this.logits = logits;
    this.labels = new int[logits.length];
    for (int i = 0; i < logits.length; i++) {
      int best = 0;
      for (int j = 1; j < logits[i].length; j++) {
        if (logits[i][j] > logits[i][best]) {
          best = j;
        }
      }
      labels[i] = best;
    }
  }

  public int size() {
    return labels.length;
  }

  /** A copy of image {@code i}'s logits. */
  public double[] logits(int i) {
    return logits[i].clone();
  }

  public int label(int i) {
    return labels[i];
  }

  /** A copy of every label. */
  public int[] labels() {
    return labels.clone();
  }
}
