package dev.oml.core.onnx;

import dev.oml.core.model.Argmax;
import dev.oml.core.model.AvgPool2D;
import dev.oml.core.model.Conv2D;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.FormatChoice;
import dev.oml.core.model.InputTransform;
import dev.oml.core.model.Layer;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelValidationException;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import dev.oml.core.onnx.internal.OnnxWire;
import dev.oml.core.onnx.internal.OnnxWire.Attribute;
import dev.oml.core.onnx.internal.OnnxWire.GraphProto;
import dev.oml.core.onnx.internal.OnnxWire.ModelProto;
import dev.oml.core.onnx.internal.OnnxWire.NodeProto;
import dev.oml.core.onnx.internal.OnnxWire.OpsetId;
import dev.oml.core.onnx.internal.OnnxWire.TensorProto;
import dev.oml.core.onnx.internal.OnnxWire.ValueInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Imports a model from an ONNX file (what {@code torch.onnx.export} and the Keras converters
 * write), mapping its graph onto the model IR of {@code dev.oml.core.model}. The graph must be one
 * chain from its single input to its single output; constants come from initializers or
 * {@code Constant} nodes. Supported (default domain, opsets {@value #MIN_OPSET} to
 * {@value #MAX_OPSET}): {@code Gemm}; {@code MatMul} with a following {@code Add} as its bias;
 * {@code Conv} (square kernel, equal strides, symmetric padding, no groups or dilation);
 * {@code AveragePool} without padding; {@code MaxPool} (square kernel, equal strides, no padding,
 * no dilation, floor mode, no indices output); {@code GlobalAveragePool} on square inputs;
 * {@code Relu};
 * {@code Flatten} and a flatten-like {@code Reshape}; {@code Mul(x, x)} and {@code Pow(x, 2)} as
 * Square; {@code BatchNormalization} right after a {@code Conv} or {@code Gemm}, folded into it;
 * {@code Sub}, {@code Div}, {@code Mul} and {@code Add} by constants on the input, returned as the
 * {@link InputTransform}; {@code Identity} and {@code Dropout} dropped. Any other operator is an
 * {@link UnsupportedOperatorException} naming the node; any other problem an
 * {@link OnnxFormatException}.
 *
 * <p>The fixed-point format is chosen as for {@code .npz} imports, by {@link
 * FormatChoice#withoutData}: {@code f = 12}, the activation bound {@code 2^6} and the smallest
 * ring of at least 32 bits the model needs.
 */
public final class OnnxImporter {
  /** Oldest default-domain opset accepted (Dropout, BatchNormalization and Reshape as used here). */
  public static final int MIN_OPSET = 9;
  /** Newest default-domain opset accepted. */
  public static final int MAX_OPSET = 21;
  /** Largest file accepted: 256 MiB, the same cap as a whole {@code .npz} archive. */
  public static final long MAX_FILE_BYTES = 256L << 20;

  /** The op types the importer maps, as error messages list them. */
  public static final List<String> SUPPORTED_OPS = List.of("Gemm", "MatMul", "Add (bias)", "Conv",
      "AveragePool", "MaxPool", "GlobalAveragePool", "Relu", "Flatten", "Reshape (flatten)", "Mul(x, x)",
      "Pow(x, 2)", "BatchNormalization (after Conv/Gemm)", "Sub/Div/Mul/Add by constants on the input",
      "Identity", "Dropout", "Constant");

  private OnnxImporter() {}

  /**
   * An imported model and the preprocessing its graph applies to the raw input first: run
   * {@code model} on {@code preprocessing.apply(model.inputShape(), raw)}.
   *
   * @param opset the default-domain opset the file declares
   */
  public record Imported(Model model, InputTransform preprocessing, long opset) {
    public Imported {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(preprocessing, "preprocessing");
    }
  }

  /**
   * Reads an ONNX file and builds a model named {@code name}.
   *
   * @param argmax whether to append {@link Argmax}, so that the model answers with a label
   * @throws OnnxFormatException if the file cannot be imported (an {@link
   *     UnsupportedOperatorException} for an operator outside the supported list)
   */
  public static Imported load(Path path, String name, boolean argmax) {
    byte[] bytes;
    try {
      long size = Files.size(path);
      if (size > MAX_FILE_BYTES) {
        throw new OnnxFormatException(path + ": " + size + " bytes, more than the limit of "
            + MAX_FILE_BYTES);
      }
      try (InputStream in = Files.newInputStream(path)) {
        bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
      }
    } catch (NoSuchFileException e) {
      throw new OnnxFormatException(path + ": no such file");
    } catch (IOException e) {
      throw new OnnxFormatException(path + ": cannot read: " + e.getMessage(), e);
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new OnnxFormatException(path + ": more than " + MAX_FILE_BYTES + " bytes");
    }
    try {
      return read(bytes, name, argmax);
    } catch (UnsupportedOperatorException e) {
      throw e;
    } catch (OnnxFormatException e) {
      throw new OnnxFormatException(path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Imports a serialized ModelProto.
   *
   * @throws OnnxFormatException as {@link #load(Path, String, boolean)}
   */
  public static Imported read(byte[] bytes, String name, boolean argmax) {
    Objects.requireNonNull(name, "name");
    ModelProto proto = OnnxWire.readModel(bytes);
    long opset = -1;
    for (OpsetId o : proto.opsets()) {
      if (o.domain().isEmpty() || o.domain().equals("ai.onnx")) {
        opset = o.version();
      }
    }
    if (opset < MIN_OPSET || opset > MAX_OPSET) {
      throw new OnnxFormatException("the model declares default-domain opset "
          + (opset < 0 ? "none" : Long.toString(opset)) + "; supported are " + MIN_OPSET + " to "
          + MAX_OPSET + " (torch.onnx.export(..., opset_version=17) for instance)");
    }
    return new Builder(proto.graph()).build(name, argmax, opset);
  }

  /** Walks the graph's chain once, node by node. */
  private static final class Builder {
    private final GraphProto graph;
    private final Map<String, TensorProto> constants = new HashMap<>();
    private final Map<String, List<Integer>> consumers = new HashMap<>();
    private final Set<Integer> visited = new HashSet<>();
    private final List<Layer> layers = new ArrayList<>();
    private Shape input;
    private Shape shape;
    private String current;
    private InputTransform transform;
    /** True while {@code current} is the direct output of the last layer, a Dense or Conv2D. */
    private boolean afterLinear;
    /** The node being mapped, as {@link UnsupportedOperatorException#node()} names it. */
    private String nodeId;

    Builder(GraphProto graph) {
      this.graph = graph;
    }

    Imported build(String name, boolean argmax, long opset) {
      for (TensorProto t : graph.initializers()) {
        constants.put(t.name(), t);
      }
      for (int i = 0; i < graph.nodes().size(); i++) {
        NodeProto n = graph.nodes().get(i);
        if (n.opType().equals("Constant")) {
          constants.put(single(n), constantValue(n));
          visited.add(i);
          continue;
        }
        for (String in : new LinkedHashSet<>(n.inputs())) {
          consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
        }
      }
      readInput();
      while (true) {
        List<Integer> next = consumers.getOrDefault(current, List.of());
        if (next.isEmpty()) {
          break;
        }
        if (next.size() > 1) {
          throw new OnnxFormatException("tensor '" + current + "' feeds " + next.size()
              + " nodes (" + label(next.get(0)) + ", " + label(next.get(1))
              + "); only a single chain of nodes can be imported");
        }
        int i = next.get(0);
        visited.add(i);
        NodeProto node = graph.nodes().get(i);
        nodeId = node.name().isEmpty() ? "#" + i : node.name();
        step(graph.nodes().get(i), label(i));
      }
      for (int i = 0; i < graph.nodes().size(); i++) {
        if (!visited.contains(i)) {
          throw new OnnxFormatException("node " + label(i) + " (" + graph.nodes().get(i).opType()
              + ") is not on the chain from the input to the output; only a single chain of nodes"
              + " can be imported");
        }
      }
      if (graph.outputs().size() != 1 || !graph.outputs().get(0).name().equals(current)) {
        throw new OnnxFormatException("the graph must have exactly one output, the end of its chain '"
            + current + "'; it lists " + graph.outputs().stream().map(ValueInfo::name).toList());
      }
      if (layers.stream().allMatch(l -> l instanceof Flatten)) {
        throw new OnnxFormatException("the graph computes nothing the model IR can hold (no layer)");
      }
      if (argmax) {
        layers.add(new Argmax());
      }
      try {
        return new Imported(FormatChoice.withoutData(name, input, layers), transform, opset);
      } catch (ModelValidationException | IllegalArgumentException e) {
        throw new OnnxFormatException("invalid model: " + e.getMessage(), e);
      }
    }

    private String label(int i) {
      NodeProto n = graph.nodes().get(i);
      if (!n.name().isEmpty()) {
        return "'" + n.name() + "'";
      }
      return "#" + i + (n.outputs().isEmpty() ? "" : " (output '" + n.outputs().get(0) + "')");
    }

    private String single(NodeProto n) {
      if (n.outputs().size() != 1) {
        throw new OnnxFormatException("node '" + n.name() + "' (" + n.opType()
            + ") must have one output, has " + n.outputs().size());
      }
      return n.outputs().get(0);
    }

    private TensorProto constantValue(NodeProto n) {
      for (Attribute a : n.attributes()) {
        switch (a.name()) {
          case "value" -> {
            if (a.t() == null) {
              throw new OnnxFormatException("Constant node '" + n.name() + "' has no tensor value");
            }
            return a.t();
          }
          case "value_float" -> {
            return new TensorProto(single(n), new long[0], OnnxWire.FLOAT, new double[] {a.f()}, false);
          }
          case "value_int" -> {
            return new TensorProto(single(n), new long[0], OnnxWire.INT64, new double[] {a.i()}, false);
          }
          case "value_floats" -> {
            double[] v = new double[a.floats().length];
            for (int k = 0; k < v.length; k++) {
              v[k] = a.floats()[k];
            }
            return new TensorProto(single(n), new long[] {v.length}, OnnxWire.FLOAT, v, false);
          }
          case "value_ints" -> {
            double[] v = Arrays.stream(a.ints()).asDoubleStream().toArray();
            return new TensorProto(single(n), new long[] {v.length}, OnnxWire.INT64, v, false);
          }
          default -> {
            // other attributes (sparse values, strings) fall through to the error below
          }
        }
      }
      throw new OnnxFormatException("Constant node '" + n.name()
          + "' has no dense numeric value (value, value_float(s) or value_int(s))");
    }

    private void readInput() {
      List<ValueInfo> inputs = new ArrayList<>();
      for (ValueInfo v : graph.inputs()) {
        if (!constants.containsKey(v.name())) {
          inputs.add(v);
        }
      }
      if (inputs.size() != 1) {
        throw new OnnxFormatException("the graph must have exactly one input that is not an"
            + " initializer, it has " + inputs.stream().map(ValueInfo::name).toList());
      }
      ValueInfo in = inputs.get(0);
      long[] d = in.dims();
      if (!in.hasShape() || (d.length != 2 && d.length != 4)) {
        throw new OnnxFormatException("input '" + in.name() + "' must be declared with shape"
            + " (batch, features) or (batch, channels, height, width), has "
            + (in.hasShape() ? Arrays.toString(d) : "no shape"));
      }
      for (int k = 1; k < d.length; k++) {
        if (d[k] <= 0 || d[k] > Shape.MAX_ELEMENTS) {
          throw new OnnxFormatException("input '" + in.name() + "' has dimension " + k
              + " unknown or out of range in " + Arrays.toString(d)
              + "; export with a fixed example input so every dimension but the batch is known");
        }
      }
      if (d[0] > 1) {
        throw new OnnxFormatException("input '" + in.name() + "' has a fixed batch of " + d[0]
            + "; export with batch 1 or a dynamic batch axis");
      }
      try {
        input = d.length == 2 ? Shape.vector((int) d[1])
            : new Shape((int) d[1], (int) d[2], (int) d[3]);
      } catch (IllegalArgumentException e) {
        throw new OnnxFormatException("input '" + in.name() + "': " + e.getMessage(), e);
      }
      shape = input;
      current = in.name();
      transform = InputTransform.identity(input.channels());
    }

    private void step(NodeProto n, String label) {
      if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
        throw new UnsupportedOperatorException(nodeId, n.domain() + "." + n.opType(),
            "operators outside the default ONNX domain are not supported");
      }
      switch (n.opType()) {
        case "Identity" -> pass(n, label);
        case "Dropout" -> dropout(n, label);
        case "Relu" -> emit(n, label, new ReLU());
        case "Flatten" -> flatten(n, label);
        case "Reshape" -> reshape(n, label);
        case "Gemm" -> gemm(n, label);
        case "MatMul" -> matmul(n, label);
        case "Conv" -> conv(n, label);
        case "AveragePool" -> avgPool(n, label);
        case "GlobalAveragePool" -> globalAvgPool(n, label);
        case "BatchNormalization" -> batchNorm(n, label);
        case "Add", "Sub", "Mul", "Div", "Pow" -> arithmetic(n, label);
        case "MaxPool" -> maxPool(n, label);
        default -> throw new UnsupportedOperatorException(nodeId, n.opType(), "not supported");
      }
    }

    private void pass(NodeProto n, String label) {
      current = out(n, label);
    }

    private String out(NodeProto n, String label) {
      if (n.outputs().isEmpty() || n.outputs().get(0).isEmpty()) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + ") has no output");
      }
      return n.outputs().get(0);
    }

    private void emit(NodeProto n, String label, Layer layer) {
      if (n.outputs().size() != 1) {
        throw new OnnxFormatException("node " + label + " (" + n.opType()
            + ") must have exactly one output, has " + n.outputs().size());
      }
      try {
        shape = layer.outputShape(shape);
      } catch (ModelValidationException e) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + "): " + e.getMessage(), e);
      }
      layers.add(layer);
      current = n.outputs().get(0);
      afterLinear = layer instanceof Dense || layer instanceof Conv2D;
    }

    private void dropout(NodeProto n, String label) {
      if (n.inputs().size() >= 3 && !n.inputs().get(2).isEmpty()) {
        TensorProto training = constant(n, label, 2, "training_mode");
        if (training.values().length != 1 || training.values()[0] != 0) {
          throw new OnnxFormatException("node " + label + " (Dropout) runs in training mode;"
              + " export the model in eval mode (model.eval())");
        }
      }
      current = out(n, label);
    }

    private void flatten(NodeProto n, String label) {
      long axis = intAttr(n, "axis", 1);
      if (axis != 1) {
        throw new OnnxFormatException("node " + label + " (Flatten) has axis " + axis
            + "; only axis 1 (keep the batch, flatten the rest) maps to the model IR");
      }
      emit(n, label, new Flatten());
    }

    private void reshape(NodeProto n, String label) {
      TensorProto target = constant(n, label, 1, "shape");
      double[] v = target.values();
      int size = shape.size();
      boolean flat = v.length == 2 && (v[0] == 1 || v[0] == -1 || v[0] == 0)
          && (v[1] == size || (v[1] == -1 && v[0] != -1));
      if (!flat) {
        throw new OnnxFormatException("node " + label + " (Reshape) to " + Arrays.toString(v)
            + " from " + shape + " is not a flatten to (batch, " + size + "); only flatten-like"
            + " reshapes map to the model IR (export with torch.flatten(x, 1) or x.view(1, -1))");
      }
      emit(n, label, new Flatten());
    }

    private void gemm(NodeProto n, String label) {
      if (intAttr(n, "transA", 0) != 0) {
        throw new OnnxFormatException("node " + label + " (Gemm) has transA=1; the activation"
            + " must be the untransposed first operand");
      }
      requireFirst(n, label);
      requireVector(n, label);
      TensorProto b = constant(n, label, 1, "B");
      boolean transB = intAttr(n, "transB", 0) != 0;
      double alpha = floatAttr(n, "alpha", 1.0);
      double beta = floatAttr(n, "beta", 1.0);
      if (b.dims().length != 2) {
        throw new OnnxFormatException("node " + label + " (Gemm): B must be 2-D, has dimensions "
            + Arrays.toString(b.dims()));
      }
      int k = shape.size();
      long rows = transB ? b.dims()[1] : b.dims()[0];
      if (rows != k) {
        throw new OnnxFormatException("node " + label + " (Gemm): B " + Arrays.toString(b.dims())
            + (transB ? " (transposed)" : "") + " does not take " + k + " inputs");
      }
      int outs = (int) (transB ? b.dims()[0] : b.dims()[1]);
      double[] w = new double[outs * k];
      for (int o = 0; o < outs; o++) {
        for (int j = 0; j < k; j++) {
          w[o * k + j] = alpha * (transB ? b.values()[o * k + j] : b.values()[j * outs + o]);
        }
      }
      double[] bias = new double[outs];
      if (n.inputs().size() >= 3 && !n.inputs().get(2).isEmpty()) {
        double[] c = vectorConstant(n, label, 2, "C", outs);
        for (int o = 0; o < outs; o++) {
          bias[o] = beta * c[o];
        }
      }
      emit(n, label, dense(n, label, k, outs, w, bias));
    }

    private void matmul(NodeProto n, String label) {
      requireFirst(n, label);
      requireVector(n, label);
      TensorProto b = constant(n, label, 1, "B");
      int k = shape.size();
      if (b.dims().length != 2 || b.dims()[0] != k) {
        throw new OnnxFormatException("node " + label + " (MatMul): the constant operand must have"
            + " shape (" + k + ", out), has " + Arrays.toString(b.dims()));
      }
      int outs = (int) b.dims()[1];
      double[] w = new double[outs * k];
      for (int o = 0; o < outs; o++) {
        for (int j = 0; j < k; j++) {
          w[o * k + j] = b.values()[j * outs + o];
        }
      }
      emit(n, label, dense(n, label, k, outs, w, new double[outs]));
    }

    private Dense dense(NodeProto n, String label, int in, int outs, double[] w, double[] b) {
      try {
        return new Dense(in, outs, w, b);
      } catch (ModelValidationException e) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + "): " + e.getMessage(), e);
      }
    }

    private void conv(NodeProto n, String label) {
      requireFirst(n, label);
      TensorProto w = constant(n, label, 1, "W");
      if (w.dims().length != 4) {
        throw new OnnxFormatException("node " + label + " (Conv): only 2-D convolutions (weights"
            + " (out, in, k, k)) are supported, W has dimensions " + Arrays.toString(w.dims()));
      }
      if (intAttr(n, "group", 1) != 1) {
        throw new OnnxFormatException("node " + label + " (Conv): grouped or depthwise convolution"
            + " (group=" + intAttr(n, "group", 1) + ") is not supported");
      }
      int outC = (int) w.dims()[0];
      int inC = (int) w.dims()[1];
      int k = (int) w.dims()[2];
      if (w.dims()[3] != k) {
        throw new OnnxFormatException("node " + label + " (Conv): kernel " + w.dims()[2] + "x"
            + w.dims()[3] + " is not square");
      }
      long[] ks = intsAttr(n, "kernel_shape", new long[] {k, k});
      requireAll(n, label, "kernel_shape", ks, k);
      requireAll(n, label, "dilations", intsAttr(n, "dilations", new long[] {1, 1}), 1);
      long[] strides = intsAttr(n, "strides", new long[] {1, 1});
      requireAll(n, label, "strides", strides, strides[0]);
      long[] pads = intsAttr(n, "pads", new long[] {0, 0, 0, 0});
      requireAll(n, label, "pads", pads, pads[0]);
      requireNoAutoPad(n, label, pads[0]);
      double[] bias = new double[outC];
      if (n.inputs().size() >= 3 && !n.inputs().get(2).isEmpty()) {
        bias = vectorConstant(n, label, 2, "B", outC);
      }
      Conv2D layer;
      try {
        layer = new Conv2D(inC, outC, k, (int) strides[0], (int) pads[0], w.values(), bias);
      } catch (ModelValidationException e) {
        throw new OnnxFormatException("node " + label + " (Conv): " + e.getMessage(), e);
      }
      emit(n, label, layer);
    }

    /**
     * The square kernel and equal strides of a pooling node with no padding and no dilation,
     * as {@code {kernel, stride}}; anything else is an {@link OnnxFormatException} naming the
     * attribute.
     */
    private long[] poolWindow(NodeProto n, String label) {
      requireFirst(n, label);
      long[] ks = intsAttr(n, "kernel_shape", null);
      if (ks == null || ks.length != 2) {
        throw new OnnxFormatException("node " + label + " (" + n.opType()
            + ") needs a 2-D kernel_shape");
      }
      requireAll(n, label, "kernel_shape", ks, ks[0]);
      long[] strides = intsAttr(n, "strides", new long[] {1, 1});
      requireAll(n, label, "strides", strides, strides[0]);
      requireAll(n, label, "pads", intsAttr(n, "pads", new long[] {0, 0, 0, 0}), 0);
      requireAll(n, label, "dilations", intsAttr(n, "dilations", new long[] {1, 1}), 1);
      requireNoAutoPad(n, label, 0);
      return new long[] {ks[0], strides[0]};
    }

    private void avgPool(NodeProto n, String label) {
      long[] window = poolWindow(n, label);
      int k = (int) window[0];
      int s = (int) window[1];
      if (intAttr(n, "ceil_mode", 0) != 0 && ((shape.height() - k) % s != 0
          || (shape.width() - k) % s != 0)) {
        throw new OnnxFormatException("node " + label + " (AveragePool): ceil_mode=1 changes the"
            + " output size here; only floor mode maps to the model IR");
      }
      emit(n, label, pool(n, label, k, s));
    }

    private void maxPool(NodeProto n, String label) {
      long[] window = poolWindow(n, label);
      for (String attr : new String[] {"ceil_mode", "storage_order"}) {
        long v = intAttr(n, attr, 0);
        if (v != 0) {
          throw new OnnxFormatException("node " + label + " (MaxPool): " + attr + "=" + v
              + " is not supported; the model IR's max pooling needs " + attr + "=0"
              + (attr.equals("ceil_mode") ? " (floor mode)" : " (row-major indices)"));
        }
      }
      if (n.outputs().size() > 1) {
        throw new OnnxFormatException("node " + label + " (MaxPool): the Indices output is not"
            + " supported; export without return_indices");
      }
      if (window[0] > Integer.MAX_VALUE || window[1] > Integer.MAX_VALUE) {
        throw new OnnxFormatException("node " + label + " (MaxPool): kernel_shape or strides"
            + " out of range");
      }
      MaxPool2D layer;
      try {
        layer = new MaxPool2D((int) window[0], (int) window[1]);
      } catch (ModelValidationException e) {
        throw new OnnxFormatException("node " + label + " (MaxPool): " + e.getMessage(), e);
      }
      emit(n, label, layer);
    }

    private void globalAvgPool(NodeProto n, String label) {
      requireFirst(n, label);
      if (shape.isVector() || shape.height() != shape.width()) {
        throw new OnnxFormatException("node " + label + " (GlobalAveragePool) needs a square"
            + " image input, has " + shape);
      }
      emit(n, label, pool(n, label, shape.height(), 1));
    }

    private AvgPool2D pool(NodeProto n, String label, int k, int s) {
      try {
        return new AvgPool2D(k, s);
      } catch (ModelValidationException e) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + "): " + e.getMessage(), e);
      }
    }

    private void batchNorm(NodeProto n, String label) {
      requireFirst(n, label);
      if (n.outputs().size() > 1 || intAttr(n, "training_mode", 0) != 0) {
        throw new OnnxFormatException("node " + label + " (BatchNormalization) runs in training"
            + " mode; export the model in eval mode (model.eval())");
      }
      if (!afterLinear) {
        throw new UnsupportedOperatorException(nodeId, n.opType(),
            "BatchNormalization is supported only right after a Conv or Gemm, where it is folded in");
      }
      Layer last = layers.get(layers.size() - 1);
      int ch = last instanceof Dense d ? d.outputs() : ((Conv2D) last).outChannels();
      double[] gamma = vectorConstant(n, label, 1, "scale", ch);
      double[] beta = vectorConstant(n, label, 2, "B", ch);
      double[] mean = vectorConstant(n, label, 3, "input_mean", ch);
      double[] var = vectorConstant(n, label, 4, "input_var", ch);
      double eps = floatAttr(n, "epsilon", 1e-5);
      double[] s = new double[ch];
      double[] t = new double[ch];
      for (int c = 0; c < ch; c++) {
        if (!(var[c] + eps > 0)) {
          throw new OnnxFormatException("node " + label + " (BatchNormalization): channel " + c
              + " has variance + epsilon <= 0");
        }
        s[c] = gamma[c] / Math.sqrt(var[c] + eps);
        t[c] = beta[c] - mean[c] * s[c];
      }
      replaceLast(n, label, s, t);
      current = n.outputs().get(0);
    }

    /** Folds {@code y -> s[c] * y + t[c]} per output channel into the last linear layer. */
    private void replaceLast(NodeProto n, String label, double[] s, double[] t) {
      Layer last = layers.get(layers.size() - 1);
      Layer folded;
      try {
        if (last instanceof Dense d) {
          double[] w = d.weights();
          double[] b = d.bias();
          for (int o = 0; o < d.outputs(); o++) {
            for (int j = 0; j < d.inputs(); j++) {
              w[o * d.inputs() + j] *= s[o];
            }
            b[o] = s[o] * b[o] + t[o];
          }
          folded = new Dense(d.inputs(), d.outputs(), w, b);
        } else {
          Conv2D c = (Conv2D) last;
          double[] w = c.weights();
          double[] b = c.bias();
          int per = c.inChannels() * c.kernel() * c.kernel();
          for (int o = 0; o < c.outChannels(); o++) {
            for (int j = 0; j < per; j++) {
              w[o * per + j] *= s[o];
            }
            b[o] = s[o] * b[o] + t[o];
          }
          folded = new Conv2D(c.inChannels(), c.outChannels(), c.kernel(), c.stride(), c.padding(), w, b);
        }
      } catch (ModelValidationException e) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + "): folding it gives "
            + e.getMessage(), e);
      }
      layers.set(layers.size() - 1, folded);
    }

    private void arithmetic(NodeProto n, String label) {
      String op = n.opType();
      if (n.inputs().size() != 2) {
        throw new OnnxFormatException("node " + label + " (" + op + ") must have two inputs");
      }
      boolean firstIsX = n.inputs().get(0).equals(current);
      boolean secondIsX = n.inputs().get(1).equals(current);
      if (firstIsX && secondIsX) {
        if (op.equals("Mul")) {
          emit(n, label, new Square());
          return;
        }
        throw new UnsupportedOperatorException(nodeId, op, op + " of the activation with itself is"
            + " not supported (only Mul(x, x), as Square)");
      }
      int ci = firstIsX ? 1 : 0;
      if (!constants.containsKey(n.inputs().get(ci))) {
        throw new UnsupportedOperatorException(nodeId, op, op + " of two activations (a residual or"
            + " branching connection) is not supported");
      }
      TensorProto c = constants.get(n.inputs().get(ci));
      if (op.equals("Pow")) {
        if (!firstIsX || c.values().length != 1 || c.values()[0] != 2) {
          throw new UnsupportedOperatorException(nodeId, op, "only Pow(x, 2) (as Square) is"
              + " supported, not Pow with exponent " + Arrays.toString(c.values()));
        }
        emit(n, label, new Square());
        return;
      }
      if (op.equals("Add") && afterLinear) {
        Layer last = layers.get(layers.size() - 1);
        int ch = last instanceof Dense d ? d.outputs() : ((Conv2D) last).outChannels();
        double[] ones = new double[ch];
        Arrays.fill(ones, 1.0);
        replaceLast(n, label, ones, vectorConstant(n, label, ci, "bias", ch));
        current = out(n, label);
        return;
      }
      if (!layers.stream().allMatch(l -> l instanceof Flatten)) {
        throw new UnsupportedOperatorException(nodeId, op, op + " by a constant is supported only"
            + " on the input (preprocessing)" + (op.equals("Add") ? " or as the bias right after"
            + " Gemm, MatMul or Conv" : ""));
      }
      double[] v = perChannel(n, label, c);
      int ch = v.length;
      double[] a = new double[ch];
      double[] b = new double[ch];
      for (int k = 0; k < ch; k++) {
        switch (op) {
          case "Add" -> {
            a[k] = 1;
            b[k] = v[k];
          }
          case "Sub" -> {
            a[k] = firstIsX ? 1 : -1;
            b[k] = firstIsX ? -v[k] : v[k];
          }
          case "Mul" -> a[k] = v[k];
          default -> {
            if (!firstIsX) {
              throw new UnsupportedOperatorException(nodeId, op, "a constant divided by the input"
                  + " is not supported (only the input divided by a constant)");
            }
            if (v[k] == 0) {
              throw new OnnxFormatException("node " + label + " (Div) divides by zero");
            }
            a[k] = 1 / v[k];
          }
        }
      }
      try {
        transform = transform.then(a, b);
      } catch (ModelValidationException e) {
        throw new OnnxFormatException("node " + label + ": " + e.getMessage());
      }
      current = out(n, label);
    }

    /**
     * A preprocessing constant as one value per input channel: a scalar, or one value per channel
     * (shape {@code (1, C, 1, 1)}, {@code (C, 1, 1)}, or {@code (D)}, {@code (1, D)} for a vector
     * input). After a Flatten on the input only scalars keep the channel structure.
     */
    private double[] perChannel(NodeProto n, String label, TensorProto c) {
      int ch = input.channels();
      double[] v = c.values();
      double[] out = new double[ch];
      if (v.length == 1) {
        Arrays.fill(out, v[0]);
        return out;
      }
      long[] d = c.dims();
      int lead = 0;
      while (lead < d.length && d[lead] == 1 && d.length - lead > (input.isVector() ? 1 : 3)) {
        lead++;
      }
      long[] rest = Arrays.copyOfRange(d, lead, d.length);
      boolean fits = shape.equals(input) && v.length == ch && (input.isVector()
          ? Arrays.equals(rest, new long[] {ch}) : Arrays.equals(rest, new long[] {ch, 1, 1}));
      if (!fits) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + "): the constant of shape "
            + Arrays.toString(d) + " is neither a scalar nor one value per input channel of "
            + input);
      }
      return v.clone();
    }

    private void requireFirst(NodeProto n, String label) {
      if (n.inputs().isEmpty() || !n.inputs().get(0).equals(current)) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + ") must take the"
            + " activation '" + current + "' as its first input");
      }
    }

    private void requireVector(NodeProto n, String label) {
      if (!shape.isVector()) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + ") takes a " + shape
            + " activation; it needs a (batch, features) input: put Flatten before it");
      }
    }

    private void requireNoAutoPad(NodeProto n, String label, long pad) {
      Attribute a = n.attribute("auto_pad");
      String mode = a == null ? "NOTSET" : new String(a.s(), StandardCharsets.UTF_8);
      if (!mode.equals("NOTSET") && !(mode.equals("VALID") && pad == 0)) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + "): auto_pad=" + mode
            + " is not supported; export with explicit pads");
      }
    }

    private void requireAll(NodeProto n, String label, String attr, long[] values, long expected) {
      for (long v : values) {
        if (v != expected) {
          throw new OnnxFormatException("node " + label + " (" + n.opType() + "): " + attr + "="
              + Arrays.toString(values) + " is not supported; the model IR needs " + (attr.equals("pads")
              ? "the same padding on every side" : attr.equals("dilations") ? "dilation 1"
              : "the same value in both directions") + (expected == 0 ? " (no padding)" : ""));
        }
      }
    }

    private TensorProto constant(NodeProto n, String label, int index, String what) {
      if (n.inputs().size() <= index || n.inputs().get(index).isEmpty()) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + ") lacks its " + what
            + " input");
      }
      TensorProto t = constants.get(n.inputs().get(index));
      if (t == null) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + "): its " + what + " '"
            + n.inputs().get(index) + "' must be a constant (an initializer or a Constant node)");
      }
      if (t.external()) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + "): tensor '" + t.name()
            + "' is stored in an external file; export with the weights inside the .onnx file");
      }
      if (t.values().length != t.elementCount()) {
        throw new OnnxFormatException("node " + label + " (" + n.opType() + "): tensor '" + t.name()
            + "' has element type " + t.dataType() + " or holds no values; only float, double,"
            + " int32 and int64 tensors are read");
      }
      for (double v : t.values()) {
        if (!Double.isFinite(v)) {
          throw new OnnxFormatException("node " + label + " (" + n.opType() + "): tensor '"
              + t.name() + "' holds a non-finite value");
        }
      }
      return t;
    }

    /** A constant read as {@code length} values: a scalar is broadcast. */
    private double[] vectorConstant(NodeProto n, String label, int index, String what, int length) {
      TensorProto t = constant(n, label, index, what);
      double[] v = t.values();
      if (v.length == length) {
        long nonUnit = Arrays.stream(t.dims()).filter(x -> x != 1).count();
        if (length == 1 || nonUnit == 1) {
          return v.clone();
        }
      }
      if (v.length == 1) {
        double[] out = new double[length];
        Arrays.fill(out, v[0]);
        return out;
      }
      throw new OnnxFormatException("node " + label + " (" + n.opType() + "): its " + what + " '"
          + t.name() + "' has shape " + Arrays.toString(t.dims()) + ", expected " + length
          + " values (one per output channel)");
    }

    private static long intAttr(NodeProto n, String key, long dflt) {
      Attribute a = n.attribute(key);
      return a == null ? dflt : a.i();
    }

    private static double floatAttr(NodeProto n, String key, double dflt) {
      Attribute a = n.attribute(key);
      return a == null ? dflt : a.f();
    }

    private static long[] intsAttr(NodeProto n, String key, long[] dflt) {
      Attribute a = n.attribute(key);
      return a == null ? dflt : a.ints();
    }
  }
}
