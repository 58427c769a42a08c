package dev.oml.bench.eval;

import dev.oml.core.data.Dataset;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.fixedpoint.FixedPointOverflowException;
import dev.oml.core.model.Layer;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Polynomial;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Square;
import dev.oml.core.omlize.FieldArtifact;
import dev.oml.core.omlize.LicenseeArtifact;
import dev.oml.core.omlize.OmlArtifact;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;

/**
 * Measures the protection of a licensee artifact: the accuracy a licensee gets by ignoring the
 * owner and running its shares {@code W_U} as if they were the model. Two figures, because
 * uniform shares are huge numbers: with the fixed-point reference almost every image overflows
 * the ring (counted as wrong, like the utility evaluation does); with ring semantics (every
 * step mod {@code 2^l}, what a secret-shared run computes, never overflowing) the labels are
 * arg-maxes of pseudorandom values. Both must sit at chance level or below.
 */
public final class ArtifactEvaluator {
  /** The figures of one protection measurement. */
  public record Protection(int images, double accuracy, int overflows, double ringAccuracy) {}

  private ArtifactEvaluator() {}

  /**
   * Evaluates an artifact of either version: a version-2 artifact's shares run in the field
   * (every step mod {@code p}, what the two-party mode computes; no overflow exists there, so
   * both accuracies are that one figure and no image overflows).
   */
  public static Protection evaluate(OmlArtifact artifact, Dataset data) {
    if (artifact instanceof LicenseeArtifact v1) {
      return evaluate(v1, data);
    }
    FieldFixedPointInference shares = new FieldFixedPointInference(
        ((FieldArtifact) artifact).asFieldModel());
    int ok = 0;
    for (int i = 0; i < data.size(); i++) {
      if (shares.label(data.image(i)) == data.label(i)) {
        ok++;
      }
    }
    int n = data.size();
    return new Protection(n, (double) ok / n, 0, (double) ok / n);
  }

  /** Evaluates the artifact's shares alone on every image of {@code data}. */
  public static Protection evaluate(LicenseeArtifact artifact, Dataset data) {
    QuantizedModel shares = artifact.asQuantizedModel();
    FixedPointInference fx = new FixedPointInference(shares);
    int ok = 0;
    int ringOk = 0;
    int overflows = 0;
    for (int i = 0; i < data.size(); i++) {
      double[] x = data.image(i);
      try {
        if (fx.label(x) == data.label(i)) {
          ok++;
        }
      } catch (FixedPointOverflowException e) {
        overflows++;
      }
      if (FixedPointInference.argmax(shares.format(), ringLogits(shares, fx.encodeInput(x)))
          == data.label(i)) {
        ringOk++;
      }
    }
    int n = data.size();
    return new Protection(n, (double) ok / n, overflows, (double) ringOk / n);
  }

  /** The model's steps computed mod {@code 2^l} throughout, with no overflow check. */
  static long[] ringLogits(QuantizedModel q, long[] input) {
    FixedPointFormat fmt = q.format();
    long[] h = input.clone();
    var layers = q.model().layers();
    for (int i = 0; i < layers.size(); i++) {
      Layer layer = layers.get(i);
      if (q.isLinear(i)) {
        long[] a = q.matrix(i);
        long[] b = q.bias(i);
        int cols = h.length;
        long[] y = new long[b.length];
        for (int r = 0; r < b.length; r++) {
          long acc = b[r];
          for (int c = 0; c < cols; c++) {
            acc += a[r * cols + c] * h[c];
          }
          y[r] = fmt.truncate(fmt.reduce(acc));
        }
        h = y;
      } else if (layer instanceof ReLU) {
        for (int j = 0; j < h.length; j++) {
          h[j] = fmt.signed(h[j]) > 0 ? h[j] : 0;
        }
      } else if (layer instanceof MaxPool2D p) {
        int[] win = p.windows(q.model().inputShapeOf(i));
        long[] y = new long[win.length / p.window()];
        for (int o = 0; o < y.length; o++) {
          long m = h[win[o * p.window()]];
          for (int k = 1; k < p.window(); k++) {
            long v = h[win[o * p.window() + k]];
            m = fmt.signed(v) > fmt.signed(m) ? v : m;
          }
          y[o] = m;
        }
        h = y;
      } else if (layer instanceof Square) {
        for (int j = 0; j < h.length; j++) {
          h[j] = fmt.truncate(fmt.reduce(h[j] * h[j]));
        }
      } else if (layer instanceof Polynomial) {
        long[] c = q.polynomial(i);
        for (int j = 0; j < h.length; j++) {
          long acc = c[c.length - 1];
          for (int d = c.length - 2; d >= 0; d--) {
            acc = fmt.reduce(fmt.truncate(fmt.reduce(acc * h[j])) + c[d]);
          }
          h[j] = acc;
        }
      }
    }
    return h;
  }
}
