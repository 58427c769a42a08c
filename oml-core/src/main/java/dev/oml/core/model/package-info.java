/**
 * The model IR: an immutable {@link dev.oml.core.model.Model} of layers (dense, convolution,
 * pooling, ReLU, square, argmax) with its fixed-point format, its file format ({@link
 * dev.oml.core.model.ModelFiles}) and the NumPy importer. Models are validated when built, so
 * every mode can rely on consistent shapes.
 */
package dev.oml.core.model;
