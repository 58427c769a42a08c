package dev.oml.core.onnx;

import dev.oml.core.OmlException;

/**
 * An ONNX file the importer cannot turn into a model: not a well-formed ModelProto, an opset
 * outside the supported range, a graph that is not a single chain from one input to one output,
 * or a supported operator used with attributes the model IR cannot express (the message names
 * the node and the attribute). Importing is all or nothing: after this exception nothing was
 * written.
 */
public class OnnxFormatException extends OmlException {
  private static final long serialVersionUID = 1L;

  public OnnxFormatException(String message) {
    super(message);
  }

  public OnnxFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
