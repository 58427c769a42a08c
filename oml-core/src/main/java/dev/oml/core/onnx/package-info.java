/**
 * ONNX import: {@link dev.oml.core.onnx.OnnxImporter} reads an {@code .onnx} file with its own
 * reader of the protobuf wire format and maps the graph onto the model IR, returning the input
 * preprocessing the graph applies beside the model. See {@code docs/onnx.md}.
 */
package dev.oml.core.onnx;
