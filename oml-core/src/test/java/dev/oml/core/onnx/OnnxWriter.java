package dev.oml.core.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes ONNX ModelProto bytes with protobuf-java's CodedOutputStream, laid out the way
 * {@code torch.onnx.export} lays them out: float32 initializers as little-endian raw data, node
 * names like {@code /fc1/Gemm}, a dynamic batch axis on the input, opset 17. Test scope only: it
 * builds the committed fixtures (see {@link OnnxFixtures}) and the malformed graphs of the error
 * tests. It shares no code with the importer's reader, so a wrong field number on either side
 * shows up as ONNX Runtime refusing the file or the import disagreeing with it.
 */
final class OnnxWriter {
  private final List<byte[]> nodes = new ArrayList<>();
  private final List<byte[]> initializers = new ArrayList<>();
  private final List<byte[]> inputs = new ArrayList<>();
  private final List<byte[]> outputs = new ArrayList<>();
  private long opset = 17;
  private String domainOverride;

  /** A protobuf message under construction. */
  static final class Msg {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final CodedOutputStream out = CodedOutputStream.newInstance(buf);

    Msg str(int field, String v) {
      return io(() -> out.writeString(field, v));
    }

    Msg bytes(int field, byte[] v) {
      return io(() -> out.writeByteArray(field, v));
    }

    Msg varint(int field, long v) {
      return io(() -> out.writeInt64(field, v));
    }

    Msg f32(int field, float v) {
      return io(() -> out.writeFloat(field, v));
    }

    Msg msg(int field, Msg m) {
      return bytes(field, m.toBytes());
    }

    byte[] toBytes() {
      io(out::flush);
      return buf.toByteArray();
    }

    private Msg io(IoAction a) {
      try {
        a.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }
  }

  @FunctionalInterface
  private interface IoAction {
    void run() throws IOException;
  }

  /** A float tensor (TensorProto, data_type FLOAT = 1) with raw little-endian data. */
  static Msg floatTensor(String name, long[] dims, double[] values) {
    Msg t = new Msg();
    for (long d : dims) {
      t.varint(1, d);
    }
    t.varint(2, 1);
    t.str(8, name);
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : values) {
      b.putFloat((float) v);
    }
    return t.bytes(9, b.array());
  }

  /** An int64 tensor (data_type INT64 = 7) with raw little-endian data. */
  static Msg int64Tensor(String name, long[] dims, long[] values) {
    Msg t = new Msg();
    for (long d : dims) {
      t.varint(1, d);
    }
    t.varint(2, 7);
    t.str(8, name);
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      b.putLong(v);
    }
    return t.bytes(9, b.array());
  }

  OnnxWriter opset(long v) {
    this.opset = v;
    return this;
  }

  /** Puts every node in another domain (for the error tests). */
  OnnxWriter domain(String d) {
    this.domainOverride = d;
    return this;
  }

  OnnxWriter initializer(Msg tensor) {
    initializers.add(tensor.toBytes());
    return this;
  }

  OnnxWriter floatInit(String name, long[] dims, double[] values) {
    return initializer(floatTensor(name, dims, values));
  }

  /** A float graph input or output with a dynamic first axis named {@code batch_size}. */
  private static byte[] valueInfo(String name, long[] dims, boolean dynamicBatch) {
    Msg shape = new Msg();
    for (int k = 0; k < dims.length; k++) {
      Msg dim = new Msg();
      if (k == 0 && dynamicBatch) {
        dim.str(2, "batch_size");
      } else {
        dim.varint(1, dims[k]);
      }
      shape.msg(1, dim);
    }
    Msg tensorType = new Msg().varint(1, 1).msg(2, shape);
    Msg type = new Msg().msg(1, tensorType);
    return new Msg().str(1, name).msg(2, type).toBytes();
  }

  OnnxWriter input(String name, long... dims) {
    inputs.add(valueInfo(name, dims, true));
    return this;
  }

  OnnxWriter output(String name, long... dims) {
    outputs.add(valueInfo(name, dims, true));
    return this;
  }

  /** A node; attributes are added with {@link Node} methods. */
  Node node(String name, String op, List<String> in, List<String> out) {
    Node n = new Node(name, op, in, out);
    nodes.add(null);
    n.index = nodes.size() - 1;
    n.owner = this;
    n.flush();
    return n;
  }

  /** A NodeProto with its attributes. */
  static final class Node {
    private final String name;
    private final String op;
    private final List<String> in;
    private final List<String> out;
    private final List<Msg> attrs = new ArrayList<>();
    private OnnxWriter owner;
    private int index;

    private Node(String name, String op, List<String> in, List<String> out) {
      this.name = name;
      this.op = op;
      this.in = in;
      this.out = out;
    }

    Node ints(String key, long... v) {
      Msg a = new Msg().str(1, key).varint(20, 7);
      for (long x : v) {
        a.varint(8, x);
      }
      attrs.add(a);
      return flush();
    }

    Node i(String key, long v) {
      attrs.add(new Msg().str(1, key).varint(20, 2).varint(3, v));
      return flush();
    }

    Node f(String key, float v) {
      attrs.add(new Msg().str(1, key).varint(20, 1).f32(2, v));
      return flush();
    }

    Node s(String key, String v) {
      attrs.add(new Msg().str(1, key).varint(20, 3).bytes(4, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      return flush();
    }

    Node t(String key, Msg tensor) {
      attrs.add(new Msg().str(1, key).varint(20, 4).msg(5, tensor));
      return flush();
    }

    private Node flush() {
      Msg m = new Msg();
      for (String s : in) {
        m.str(1, s);
      }
      for (String s : out) {
        m.str(2, s);
      }
      m.str(3, name).str(4, op);
      for (Msg a : attrs) {
        m.msg(5, a);
      }
      if (owner.domainOverride != null) {
        m.str(7, owner.domainOverride);
      }
      owner.nodes.set(index, m.toBytes());
      return this;
    }
  }

  /** The serialized ModelProto. */
  byte[] toBytes() {
    Msg graph = new Msg();
    for (byte[] n : nodes) {
      graph.bytes(1, n);
    }
    graph.str(2, "main_graph");
    for (byte[] t : initializers) {
      graph.bytes(5, t);
    }
    for (byte[] v : inputs) {
      graph.bytes(11, v);
    }
    for (byte[] v : outputs) {
      graph.bytes(12, v);
    }
    Msg model = new Msg().varint(1, 8).str(2, "oml-fixture-generator").str(3, "1")
        .msg(7, graph).msg(8, new Msg().str(1, "").varint(2, opset));
    return model.toBytes();
  }
}
