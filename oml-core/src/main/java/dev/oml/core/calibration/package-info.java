/**
 * Calibration at import: {@link dev.oml.core.calibration.Calibration} runs a model's float
 * reference on data, measures every layer's activations, chooses the fixed-point format (the
 * activation bound, {@code f} and the ring width) with a stated headroom, or refuses naming the
 * layer, and reports how often the fixed-point references agree with float on that data. See
 * {@code docs/calibration.md}.
 */
package dev.oml.core.calibration;
