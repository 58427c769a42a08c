package dev.oml.core.onnx;

import java.util.List;

/**
 * An ONNX node whose operator the importer does not map to the model IR. The message names the
 * node, its op type and the operators that are supported, so that a user can see at once whether
 * re-exporting (for instance {@code torch.flatten} in place of a dynamic {@code view}) is enough.
 */
public final class UnsupportedOperatorException extends OnnxFormatException {
  private static final long serialVersionUID = 1L;

  private final String node;
  private final String opType;

  /**
   * @param node the node's name, or {@code #index} for an unnamed node
   */
  public UnsupportedOperatorException(String node, String opType, String why) {
    super("node " + (node.startsWith("#") ? node : "'" + node + "'") + " (" + opType + "): " + why
        + "; supported: "
        + String.join(", ", OnnxImporter.SUPPORTED_OPS));
    this.node = node;
    this.opType = opType;
  }

  /** The node's name, or {@code #index} for an unnamed node. */
  public String node() {
    return node;
  }

  /** The node's op type. */
  public String opType() {
    return opType;
  }

  /** The supported op types, as listed in the message. */
  public static List<String> supported() {
    return OnnxImporter.SUPPORTED_OPS;
  }
}
