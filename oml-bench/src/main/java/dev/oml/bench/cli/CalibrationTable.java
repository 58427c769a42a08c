package dev.oml.bench.cli;

import dev.oml.core.calibration.Agreement;
import dev.oml.core.calibration.Calibration;
import dev.oml.core.calibration.CalibrationReport;
import dev.oml.core.calibration.LayerRange;
import dev.oml.core.data.Dataset;
import dev.oml.core.model.FormatChoice;
import dev.oml.core.model.InputTransform;
import dev.oml.core.model.Model;
import dev.oml.core.reference.FieldQuantizedModel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * {@code oml import --calibration DIR}: runs {@link Calibration} on the imported model and prints
 * the per-layer table, the chosen format and the agreement of the fixed-point references with
 * float (docs/calibration.md).
 */
final class CalibrationTable {
  private CalibrationTable() {}

  /**
   * Calibrates {@code model} on the first {@code limit} examples in {@code dir}, applying the
   * importer's preprocessing (null for none) to each, prints the report on {@code out} and
   * returns the model in its chosen format.
   *
   * @throws dev.oml.core.calibration.CalibrationException if no format holds the data
   * @throws dev.oml.core.data.DatasetException if the directory cannot be read
   */
  static Model calibrate(Model model, InputTransform pre, Path dir, int limit, boolean bytes,
      PrintStream out) {
    Dataset data = Calibration.readData(dir, limit);
    UnaryOperator<double[]> pixels = bytes ? CalibrationTable::toBytes : UnaryOperator.identity();
    UnaryOperator<double[]> seam = pre == null || pre.isIdentity() ? pixels
        : raw -> pre.apply(model.inputShape(), pixels.apply(raw));
    CalibrationReport r = Calibration.calibrate(model, data, seam);
    out.printf(Locale.ROOT, "calibration on %d examples from %s, pixels in %s%s%n", r.examples(),
        dir, bytes ? "[0, 255]" : "[0, 1]",
        pre == null || pre.isIdentity() ? "" : ", then the input preprocessing " + pre);
    print(r, out);
    return r.model();
  }

  /** IDX pixels as the bytes they were stored as (the dataset holds them divided by 255). */
  private static double[] toBytes(double[] unit) {
    double[] b = new double[unit.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = Math.rint(unit[i] * 255);
    }
    return b;
  }

  static void print(CalibrationReport r, PrintStream out) {
    out.printf(Locale.ROOT, "%-6s %-10s %-10s %12s %12s %12s %5s%n", "layer", "kind", "output",
        "max|in|", "max|out|", "mean|out|", "bits");
    for (LayerRange l : r.layers()) {
      out.printf(Locale.ROOT, "%-6d %-10s %-10s %12.4g %12.4g %12.4g %5s%n", l.index(), l.kind(),
          l.output(), l.maxAbsInput(), l.maxAbsOutput(), l.meanAbsOutput(),
          l.bits() == 0 ? "-" : Integer.toString(l.bits()));
    }
    String peak = r.peakLayer() < 0 ? "the input"
        : "layer " + r.peakLayer() + " (" + r.layers().get(r.peakLayer()).kind() + ")";
    out.printf(Locale.ROOT, "largest activation: |%.4g| at %s; activation bound 2^%d (headroom"
        + " x%.0f; the default without data is 2^%d)%n", r.peakValue(), peak, r.activationBits(),
        Calibration.HEADROOM, FormatChoice.DEFAULT_ACTIVATION_BITS);
    out.printf(Locale.ROOT, "chosen format: l=%d, f=%d (bits: what each layer needs at f=%d;"
        + " the tier-2 field holds %d)%n", r.format().ringBits(), r.format().fractionalBits(),
        r.format().fractionalBits(), FieldQuantizedModel.FIELD_BITS);
    if (r.floatCorrect() >= 0) {
      out.printf(Locale.ROOT, "float: %d of %d labels of the data correct%n", r.floatCorrect(),
          r.examples());
    }
    agreement(out, "ring reference ", r.ring());
    if (r.field() != null) {
      agreement(out, "field reference", r.field());
    } else {
      out.println("field reference: not run (a layer has no tier-2 rule)");
    }
    for (String w : r.warnings()) {
      out.println("warning: " + w);
    }
  }

  private static void agreement(PrintStream out, String which, Agreement g) {
    out.printf(Locale.ROOT, "%s: agrees with float on %d of %d labels (%.2f%%), max logit error"
        + " %.3g%s%n", which, g.agreeing(), g.examples(), 100 * g.rate(), g.maxLogitError(),
        g.correct() < 0 ? "" : ", " + g.correct() + " correct");
  }
}
