package dev.oml.core.reference;

import dev.oml.core.model.Argmax;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.LinearForm;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Model;
import dev.oml.core.model.Polynomial;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Square;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The float64 reference: the model as trained, evaluated with EJML. It is the oracle for
 * utility ("fidelity") of every other path. Instances are immutable and thread-safe.
 */
public final class FloatInference {
  private final Model model;
  private final DMatrixRMaj[] matrices;
  private final DMatrixRMaj[] biases;

  public FloatInference(Model model) {
    this.model = model;
    int n = model.layers().size();
    matrices = new DMatrixRMaj[n];
    biases = new DMatrixRMaj[n];
    for (int i = 0; i < n; i++) {
      Layer layer = model.layers().get(i);
      if (layer.isLinear()) {
        LinearForm form = LinearForm.of(layer, model.inputShapeOf(i));
        matrices[i] = DMatrixRMaj.wrap(form.rows(), form.cols(), form.matrix());
        biases[i] = DMatrixRMaj.wrap(form.rows(), 1, form.bias());
      }
    }
  }

  public Model model() {
    return model;
  }

  /** The logits (the output before any final {@link Argmax}). */
  public double[] logits(double[] input) {
    return run(input, null);
  }

  /**
   * Every layer's output on {@code input}: entry {@code i} is the output of layer {@code i}, the
   * last entry the logits (a final {@link Argmax} passes them through). Calibration reads the
   * activation ranges from here.
   */
  public double[][] layerOutputs(double[] input) {
    double[][] out = new double[model.layers().size()][];
    run(input, out);
    return out;
  }

  private double[] run(double[] input, double[][] trace) {
    int n = model.inputShape().size();
    if (input.length != n) {
      throw new IllegalArgumentException("input has " + input.length + " values, model expects " + n);
    }
    DMatrixRMaj h = DMatrixRMaj.wrap(n, 1, input.clone());
    for (int i = 0; i < model.layers().size(); i++) {
      Layer layer = model.layers().get(i);
      if (matrices[i] != null) {
        DMatrixRMaj y = new DMatrixRMaj(matrices[i].numRows, 1);
        CommonOps_DDRM.mult(matrices[i], h, y);
        CommonOps_DDRM.addEquals(y, biases[i]);
        h = y;
      } else if (layer instanceof ReLU) {
        double[] d = h.data;
        for (int j = 0; j < d.length; j++) {
          d[j] = Math.max(0, d[j]);
        }
      } else if (layer instanceof MaxPool2D p) {
        int[] win = p.windows(model.inputShapeOf(i));
        int w = p.window();
        double[] y = new double[win.length / w];
        for (int o = 0; o < y.length; o++) {
          double m = h.data[win[o * w]];
          for (int q = 1; q < w; q++) {
            m = Math.max(m, h.data[win[o * w + q]]);
          }
          y[o] = m;
        }
        h = DMatrixRMaj.wrap(y.length, 1, y);
      } else if (layer instanceof Square) {
        double[] d = h.data;
        for (int j = 0; j < d.length; j++) {
          d[j] = d[j] * d[j];
        }
      } else if (layer instanceof Polynomial p) {
        double[] c = p.coefficients();
        double[] d = h.data;
        for (int j = 0; j < d.length; j++) {
          double acc = c[c.length - 1];
          for (int k = c.length - 2; k >= 0; k--) {
            acc = acc * d[j] + c[k];
          }
          d[j] = acc;
        }
      } else if (!(layer instanceof Flatten || layer instanceof Argmax)) {
        throw new IllegalStateException("no float rule for " + layer.kind());
      }
      if (trace != null) {
        trace[i] = h.data.clone();
      }
    }
    return h.data.clone();
  }

  /** The predicted label: index of the largest logit (first one on ties). */
  public int label(double[] input) {
    return argmax(logits(input));
  }

  /** Index of the largest value (first one on ties). */
  public static int argmax(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
