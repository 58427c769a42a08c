package dev.oml.core.calibration;

import dev.oml.core.model.Shape;

/**
 * What the float model did at one layer on the calibration data.
 *
 * @param index the layer's index, counted from 0
 * @param kind the layer's kind ({@code dense}, {@code relu}, ...)
 * @param output the layer's output shape
 * @param maxAbsInput largest {@code |value|} the layer received
 * @param maxAbsOutput largest {@code |value|} it produced
 * @param meanAbsOutput mean {@code |value|} of its outputs over all outputs and examples
 * @param bits the bits its accumulator needs in the chosen format ({@link
 *     dev.oml.core.model.Model#requiredBits(int, int)}), 0 for layers that compute nothing
 */
public record LayerRange(int index, String kind, Shape output, double maxAbsInput,
    double maxAbsOutput, double meanAbsOutput, int bits) {}
