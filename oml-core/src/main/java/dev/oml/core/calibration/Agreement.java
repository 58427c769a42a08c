package dev.oml.core.calibration;

/**
 * How a fixed-point reference compared with the float reference on the calibration data.
 *
 * @param examples number of examples run
 * @param agreeing examples whose fixed-point label (index of the largest logit) equals the float
 *     label
 * @param maxLogitError largest {@code |fixed logit - float logit|} over all examples and logits
 * @param correct examples whose fixed-point label equals the data's label, or {@code -1} if the
 *     data's labels are not labels of this model (a label beyond its logits)
 */
public record Agreement(int examples, int agreeing, double maxLogitError, int correct) {
  /** {@code agreeing / examples}. */
  public double rate() {
    return (double) agreeing / examples;
  }
}
