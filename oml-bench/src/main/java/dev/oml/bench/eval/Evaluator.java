package dev.oml.bench.eval;

import dev.oml.core.data.Dataset;
import dev.oml.core.fixedpoint.FixedPointOverflowException;
import dev.oml.core.model.Model;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.reference.QuantizedModel;
import java.util.function.IntConsumer;

/**
 * Measures a model's utility on a labelled dataset: accuracy of the float64 reference, accuracy
 * of the fixed-point reference, and how often the two agree on the label. An image whose
 * fixed-point run overflows counts as wrong and as a disagreement, and is counted apart.
 */
public final class Evaluator {
  /** The figures of one evaluation. */
  public record Utility(String model, int images, double floatAccuracy, double fixedAccuracy,
      double agreement, int fixedOverflows) {}

  private Evaluator() {}

  /**
   * Evaluates {@code model} on every image of {@code data}.
   *
   * @param progress called with the number of images done so far (every 100 and at the end)
   */
  public static Utility evaluate(Model model, Dataset data, IntConsumer progress) {
    FloatInference fl = new FloatInference(model);
    FixedPointInference fx = new FixedPointInference(QuantizedModel.of(model));
    int floatOk = 0;
    int fixedOk = 0;
    int agree = 0;
    int overflows = 0;
    for (int i = 0; i < data.size(); i++) {
      double[] x = data.image(i);
      int fLabel = fl.label(x);
      int qLabel;
      try {
        qLabel = fx.label(x);
      } catch (FixedPointOverflowException e) {
        qLabel = -1;
        overflows++;
      }
      if (fLabel == data.label(i)) {
        floatOk++;
      }
      if (qLabel == data.label(i)) {
        fixedOk++;
      }
      if (qLabel == fLabel) {
        agree++;
      }
      if ((i + 1) % 100 == 0 || i + 1 == data.size()) {
        progress.accept(i + 1);
      }
    }
    int n = data.size();
    return new Utility(model.name(), n, (double) floatOk / n, (double) fixedOk / n, (double) agree / n,
        overflows);
  }
}
