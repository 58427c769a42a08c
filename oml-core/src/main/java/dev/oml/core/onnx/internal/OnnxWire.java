package dev.oml.core.onnx.internal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.oml.core.onnx.OnnxFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the few ONNX messages the importer needs straight off the protobuf wire format. The field
 * numbers are those of the ONNX IR specification; every field we do not need (doc strings,
 * metadata, subgraphs, training info, sparse tensors) is skipped unread, so a graph attribute
 * cannot make the reader recurse. Repeated scalars are accepted packed and unpacked, as protobuf
 * requires of a reader.
 */
public final class OnnxWire {
  /** Largest tensor accepted, in elements (the model's own parameter cap is checked later). */
  public static final long MAX_TENSOR_ELEMENTS = 1L << 26;
  /** Most nodes, initializers or graph inputs one graph may list. */
  public static final int MAX_ITEMS = 1 << 16;

  private OnnxWire() {}

  /** ModelProto: the opset imports and the main graph. */
  public record ModelProto(long irVersion, List<OpsetId> opsets, GraphProto graph) {}

  /** OperatorSetIdProto. */
  public record OpsetId(String domain, long version) {}

  /** GraphProto: nodes in topological order, constant initializers, inputs and outputs. */
  public record GraphProto(String name, List<NodeProto> nodes, List<TensorProto> initializers,
      List<ValueInfo> inputs, List<ValueInfo> outputs) {}

  /** NodeProto. */
  public record NodeProto(String name, String opType, String domain, List<String> inputs,
      List<String> outputs, List<Attribute> attributes) {
    /** The attribute called {@code key}, or null. */
    public Attribute attribute(String key) {
      for (Attribute a : attributes) {
        if (a.name().equals(key)) {
          return a;
        }
      }
      return null;
    }
  }

  /** AttributeProto: the kinds the supported operators use (float, int, string, tensor, lists). */
  public record Attribute(String name, int type, float f, long i, byte[] s, TensorProto t,
      float[] floats, long[] ints) {}

  /**
   * TensorProto: its name, dimensions, element type and values read as doubles (float, double,
   * int32 and int64 element types; anything else is refused where it is used).
   */
  public record TensorProto(String name, long[] dims, int dataType, double[] values,
      boolean external) {
    public long elementCount() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }
  }

  /** ValueInfoProto reduced to a tensor's name and dimensions (-1 where symbolic or absent). */
  public record ValueInfo(String name, long[] dims, boolean hasShape) {}

  /** TensorProto.DataType values the reader decodes. */
  public static final int FLOAT = 1;
  public static final int INT32 = 6;
  public static final int INT64 = 7;
  public static final int DOUBLE = 11;

  /** AttributeProto.AttributeType values. */
  public static final int ATTR_FLOAT = 1;
  public static final int ATTR_INT = 2;
  public static final int ATTR_STRING = 3;
  public static final int ATTR_TENSOR = 4;
  public static final int ATTR_FLOATS = 6;
  public static final int ATTR_INTS = 7;

  /**
   * Parses a ModelProto.
   *
   * @throws OnnxFormatException if the bytes are not a well-formed ModelProto with a graph
   */
  public static ModelProto readModel(byte[] bytes) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      long ir = 0;
      List<OpsetId> opsets = new ArrayList<>();
      GraphProto graph = null;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        switch (tag) {
          case (1 << 3) | WireFormat.WIRETYPE_VARINT -> ir = in.readInt64();
          case (7 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
            if (graph != null) {
              throw new OnnxFormatException("the model holds more than one main graph");
            }
            int old = enter(in);
            graph = readGraph(in);
            in.popLimit(old);
          }
          case (8 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
            int old = enter(in);
            opsets.add(readOpset(in));
            in.popLimit(old);
            bound(opsets.size(), "opset imports");
          }
          default -> skip(in, tag);
        }
      }
      if (graph == null) {
        throw new OnnxFormatException("not an ONNX model: no graph (field 7 of ModelProto)");
      }
      return new ModelProto(ir, List.copyOf(opsets), graph);
    } catch (InvalidProtocolBufferException e) {
      throw new OnnxFormatException("not an ONNX model: malformed protobuf (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new OnnxFormatException("not an ONNX model: " + e.getMessage(), e);
    }
  }

  private static int enter(CodedInputStream in) throws IOException {
    int len = in.readRawVarint32();
    if (len < 0) {
      throw new OnnxFormatException("not an ONNX model: negative length");
    }
    return in.pushLimit(len);
  }

  private static void skip(CodedInputStream in, int tag) throws IOException {
    if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_START_GROUP
        || WireFormat.getTagWireType(tag) > WireFormat.WIRETYPE_FIXED32) {
      throw new OnnxFormatException("not an ONNX model: unexpected wire type in tag " + tag);
    }
    in.skipField(tag);
  }

  private static void bound(int n, String what) {
    if (n > MAX_ITEMS) {
      throw new OnnxFormatException("the model lists more than " + MAX_ITEMS + " " + what);
    }
  }

  private static OpsetId readOpset(CodedInputStream in) throws IOException {
    String domain = "";
    long version = 0;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return new OpsetId(domain, version);
      }
      switch (tag) {
        case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> domain = in.readString();
        case (2 << 3) | WireFormat.WIRETYPE_VARINT -> version = in.readInt64();
        default -> skip(in, tag);
      }
    }
  }

  private static GraphProto readGraph(CodedInputStream in) throws IOException {
    String name = "";
    List<NodeProto> nodes = new ArrayList<>();
    List<TensorProto> inits = new ArrayList<>();
    List<ValueInfo> inputs = new ArrayList<>();
    List<ValueInfo> outputs = new ArrayList<>();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return new GraphProto(name, List.copyOf(nodes), List.copyOf(inits), List.copyOf(inputs),
            List.copyOf(outputs));
      }
      int field = WireFormat.getTagFieldNumber(tag);
      if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED
          || (field != 1 && field != 2 && field != 5 && field != 11 && field != 12)) {
        skip(in, tag);
        continue;
      }
      if (field == 2) {
        name = in.readString();
        continue;
      }
      int old = enter(in);
      switch (field) {
        case 1 -> {
          nodes.add(readNode(in));
          bound(nodes.size(), "nodes");
        }
        case 5 -> {
          inits.add(readTensor(in));
          bound(inits.size(), "initializers");
        }
        case 11 -> {
          inputs.add(readValueInfo(in));
          bound(inputs.size(), "graph inputs");
        }
        default -> {
          outputs.add(readValueInfo(in));
          bound(outputs.size(), "graph outputs");
        }
      }
      in.popLimit(old);
    }
  }

  private static NodeProto readNode(CodedInputStream in) throws IOException {
    String name = "";
    String op = "";
    String domain = "";
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    List<Attribute> attrs = new ArrayList<>();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return new NodeProto(name, op, domain, List.copyOf(inputs), List.copyOf(outputs),
            List.copyOf(attrs));
      }
      switch (tag) {
        case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> inputs.add(in.readString());
        case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> outputs.add(in.readString());
        case (3 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = in.readString();
        case (4 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> op = in.readString();
        case (7 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> domain = in.readString();
        case (5 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          int old = enter(in);
          attrs.add(readAttribute(in));
          in.popLimit(old);
        }
        default -> skip(in, tag);
      }
      bound(inputs.size() + outputs.size() + attrs.size(), "node inputs, outputs and attributes");
    }
  }

  private static Attribute readAttribute(CodedInputStream in) throws IOException {
    String name = "";
    int type = 0;
    float f = 0;
    long i = 0;
    byte[] s = new byte[0];
    TensorProto t = null;
    List<Float> floats = new ArrayList<>();
    List<Long> ints = new ArrayList<>();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        float[] fs = new float[floats.size()];
        for (int k = 0; k < fs.length; k++) {
          fs[k] = floats.get(k);
        }
        return new Attribute(name, type, f, i, s, t, fs,
            ints.stream().mapToLong(Long::longValue).toArray());
      }
      switch (tag) {
        case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = in.readString();
        case (20 << 3) | WireFormat.WIRETYPE_VARINT -> type = in.readEnum();
        case (2 << 3) | WireFormat.WIRETYPE_FIXED32 -> f = in.readFloat();
        case (3 << 3) | WireFormat.WIRETYPE_VARINT -> i = in.readInt64();
        case (4 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> s = in.readByteArray();
        case (5 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          int old = enter(in);
          t = readTensor(in);
          in.popLimit(old);
        }
        case (7 << 3) | WireFormat.WIRETYPE_FIXED32 -> floats.add(in.readFloat());
        case (7 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          int old = enter(in);
          while (in.getBytesUntilLimit() > 0) {
            floats.add(in.readFloat());
            bound(floats.size(), "attribute values");
          }
          in.popLimit(old);
        }
        case (8 << 3) | WireFormat.WIRETYPE_VARINT -> ints.add(in.readInt64());
        case (8 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          int old = enter(in);
          while (in.getBytesUntilLimit() > 0) {
            ints.add(in.readInt64());
            bound(ints.size(), "attribute values");
          }
          in.popLimit(old);
        }
        default -> skip(in, tag);
      }
      bound(floats.size() + ints.size(), "attribute values");
    }
  }

  private static TensorProto readTensor(CodedInputStream in) throws IOException {
    String name = "";
    List<Long> dims = new ArrayList<>();
    int type = 0;
    byte[] raw = null;
    boolean external = false;
    DoubleList typed = new DoubleList();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      switch (tag) {
        case (1 << 3) | WireFormat.WIRETYPE_VARINT -> dims.add(in.readInt64());
        case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          int old = enter(in);
          while (in.getBytesUntilLimit() > 0) {
            dims.add(in.readInt64());
            bound(dims.size(), "tensor dimensions");
          }
          in.popLimit(old);
        }
        case (2 << 3) | WireFormat.WIRETYPE_VARINT -> type = in.readInt32();
        case (8 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = in.readString();
        case (9 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          int len = in.readRawVarint32();
          if (len < 0 || len > MAX_TENSOR_ELEMENTS * 8) {
            throw new OnnxFormatException("a tensor's raw data is larger than the limit");
          }
          raw = in.readRawBytes(len);
        }
        case (14 << 3) | WireFormat.WIRETYPE_VARINT -> external = in.readEnum() == 1;
        case (4 << 3) | WireFormat.WIRETYPE_FIXED32 -> typed.add(in.readFloat());
        case (4 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          int old = enter(in);
          while (in.getBytesUntilLimit() > 0) {
            typed.add(in.readFloat());
          }
          in.popLimit(old);
        }
        case (10 << 3) | WireFormat.WIRETYPE_FIXED64 -> typed.add(in.readDouble());
        case (10 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          int old = enter(in);
          while (in.getBytesUntilLimit() > 0) {
            typed.add(in.readDouble());
          }
          in.popLimit(old);
        }
        case (5 << 3) | WireFormat.WIRETYPE_VARINT -> typed.add(in.readInt32());
        case (7 << 3) | WireFormat.WIRETYPE_VARINT -> typed.add(in.readInt64());
        case (5 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED,
            (7 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          boolean int32 = WireFormat.getTagFieldNumber(tag) == 5;
          int old = enter(in);
          while (in.getBytesUntilLimit() > 0) {
            typed.add(int32 ? in.readInt32() : in.readInt64());
          }
          in.popLimit(old);
        }
        default -> skip(in, tag);
      }
      if (typed.size > MAX_TENSOR_ELEMENTS) {
        throw new OnnxFormatException("a tensor holds more than " + MAX_TENSOR_ELEMENTS + " values");
      }
    }
    long[] d = dims.stream().mapToLong(Long::longValue).toArray();
    long count = 1;
    for (long v : d) {
      if (v < 0) {
        throw new OnnxFormatException("tensor '" + name + "' has a negative dimension");
      }
      if (v > MAX_TENSOR_ELEMENTS) {
        throw new OnnxFormatException("tensor '" + name + "' has dimension " + v + ", more than "
            + MAX_TENSOR_ELEMENTS + " elements");
      }
      count *= v; // both factors are at most 2^26: no overflow
      if (count > MAX_TENSOR_ELEMENTS) {
        throw new OnnxFormatException("tensor '" + name + "' has more than " + MAX_TENSOR_ELEMENTS
            + " elements");
      }
    }
    double[] values;
    if (external) {
      values = new double[0];
    } else if (raw != null) {
      values = decodeRaw(name, type, raw, count);
    } else {
      values = typed.toArray();
      if (values.length != count && type != 0) {
        throw new OnnxFormatException("tensor '" + name + "' holds " + values.length
            + " values, its dimensions need " + count);
      }
    }
    return new TensorProto(name, d, type, values, external);
  }

  private static double[] decodeRaw(String name, int type, byte[] raw, long count) {
    int width = switch (type) {
      case FLOAT, INT32 -> 4;
      case INT64, DOUBLE -> 8;
      default -> throw new OnnxFormatException("tensor '" + name + "' has element type " + type
          + "; only float, double, int32 and int64 are read");
    };
    if (raw.length != count * width) {
      throw new OnnxFormatException("tensor '" + name + "' holds " + raw.length
          + " raw bytes, its dimensions need " + (count * width));
    }
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    double[] out = new double[(int) count];
    for (int k = 0; k < out.length; k++) {
      out[k] = switch (type) {
        case FLOAT -> b.getFloat(k * 4);
        case INT32 -> b.getInt(k * 4);
        case INT64 -> (double) b.getLong(k * 8);
        default -> b.getDouble(k * 8);
      };
    }
    return out;
  }

  private static ValueInfo readValueInfo(CodedInputStream in) throws IOException {
    String name = "";
    long[] dims = null;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return new ValueInfo(name, dims == null ? new long[0] : dims, dims != null);
      }
      switch (tag) {
        case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = in.readString();
        case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          // TypeProto { tensor_type = 1: Tensor { elem_type = 1, shape = 2: { dim = 1 } } }
          int old = enter(in);
          dims = readTypeProto(in);
          in.popLimit(old);
        }
        default -> skip(in, tag);
      }
    }
  }

  private static long[] readTypeProto(CodedInputStream in) throws IOException {
    long[] dims = null;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return dims;
      }
      if (tag == ((1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
        int old = enter(in);
        while (true) {
          int t = in.readTag();
          if (t == 0) {
            break;
          }
          if (t == ((2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
            int o2 = enter(in);
            dims = readShape(in);
            in.popLimit(o2);
          } else {
            skip(in, t);
          }
        }
        in.popLimit(old);
      } else {
        skip(in, tag);
      }
    }
  }

  private static long[] readShape(CodedInputStream in) throws IOException {
    List<Long> dims = new ArrayList<>();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return dims.stream().mapToLong(Long::longValue).toArray();
      }
      if (tag == ((1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
        int old = enter(in);
        long v = -1;
        while (true) {
          int t = in.readTag();
          if (t == 0) {
            break;
          }
          if (t == ((1 << 3) | WireFormat.WIRETYPE_VARINT)) {
            v = in.readInt64();
          } else {
            skip(in, t);
          }
        }
        in.popLimit(old);
        dims.add(v);
        bound(dims.size(), "shape dimensions");
      } else {
        skip(in, tag);
      }
    }
  }

  /** A growable array of doubles (tensors can hold millions of values; no boxing). */
  private static final class DoubleList {
    private double[] a = new double[16];
    private int size;

    void add(double v) {
      if (size == a.length) {
        a = java.util.Arrays.copyOf(a, a.length * 2);
      }
      a[size++] = v;
    }

    double[] toArray() {
      return java.util.Arrays.copyOf(a, size);
    }
  }
}
