package dev.oml.core.model;

import dev.oml.core.OmlException;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads and writes the versioned binary model format ({@code .omlm}), documented in
 * {@code docs/model-format.md}: magic, version, content length, content (name, input shape,
 * fixed-point format, layers with little-endian float64 tensors), SHA-256 over everything before
 * it.
 *
 * <p>Loading reads the whole file, checks magic, version, length and checksum before parsing,
 * caps every dimension before allocating, and builds the model only when everything parsed; any
 * failure is a {@link ModelFormatException} and nothing is partly loaded. Writing is atomic.
 */
public final class ModelFiles {
  /** The file extension, with its dot. */
  public static final String EXTENSION = ".omlm";
  /**
   * Current format version: 2 adds the input box after the layers. A model without a box is
   * still written as version 1 (byte for byte as before), and both versions are read.
   */
  public static final int VERSION = 2;
  /** The version written for models that declare no input box. */
  static final int VERSION_WITHOUT_BOX = 1;
  private static final int BOX_UNIFORM = 1;
  private static final int BOX_PER_FEATURE = 2;
  /** Largest file accepted. */
  public static final long MAX_FILE_BYTES = 1L << 30;

  static final byte[] MAGIC = "OMLMODEL".getBytes(StandardCharsets.US_ASCII);
  static final int HEADER_BYTES = 8 + 2 + 2 + 8;
  static final int CHECKSUM_BYTES = 32;

  private static final int DENSE = 1;
  private static final int CONV2D = 2;
  private static final int AVGPOOL2D = 3;
  private static final int FLATTEN = 4;
  private static final int RELU = 5;
  private static final int SQUARE = 6;
  private static final int POLYNOMIAL = 7;
  private static final int ARGMAX = 8;
  private static final int MAXPOOL2D = 9;
  private static final int MAX_DIM = 1 << 16;

  private ModelFiles() {}

  /** Writes {@code model} to {@code path} atomically. */
  public static void save(Model model, Path path) {
    AtomicFiles.write(path, toBytes(model), false);
  }

  /**
   * Loads a model file.
   *
   * @throws ModelFormatException if the file is missing, malformed, truncated or corrupted
   */
  public static Model load(Path path) {
    byte[] bytes;
    try {
      long size = Files.size(path);
      if (size > MAX_FILE_BYTES) {
        throw new ModelFormatException(path + ": " + size + " bytes is larger than the cap of "
            + MAX_FILE_BYTES);
      }
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new ModelFormatException(path + ": no such file");
    } catch (IOException e) {
      throw new ModelFormatException(path + ": cannot read: " + e.getMessage(), e);
    }
    try {
      return fromBytes(bytes);
    } catch (ModelFormatException e) {
      throw new ModelFormatException(path + ": " + e.getMessage(), e);
    }
  }

  /** Serializes a model to the file format. */
  public static byte[] toBytes(Model model) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    Writer w = new Writer(content);
    byte[] name = model.name().getBytes(StandardCharsets.UTF_8);
    w.u16(name.length);
    w.bytes(name);
    Shape in = model.inputShape();
    w.u32(in.channels());
    w.u32(in.height());
    w.u32(in.width());
    w.u8(model.format().ringBits());
    w.u8(model.format().fractionalBits());
    w.u8(model.activationBits());
    w.u8(0);
    w.u32(model.layers().size());
    for (Layer layer : model.layers()) {
      if (layer instanceof Dense d) {
        w.u8(DENSE);
        w.u32(d.inputs());
        w.u32(d.outputs());
        w.f64s(d.weights());
        w.f64s(d.bias());
      } else if (layer instanceof Conv2D c) {
        w.u8(CONV2D);
        w.u32(c.inChannels());
        w.u32(c.outChannels());
        w.u32(c.kernel());
        w.u32(c.stride());
        w.u32(c.padding());
        w.f64s(c.weights());
        w.f64s(c.bias());
      } else if (layer instanceof AvgPool2D p) {
        w.u8(AVGPOOL2D);
        w.u32(p.kernel());
        w.u32(p.stride());
      } else if (layer instanceof MaxPool2D p) {
        w.u8(MAXPOOL2D);
        w.u32(p.kernel());
        w.u32(p.stride());
      } else if (layer instanceof Flatten) {
        w.u8(FLATTEN);
      } else if (layer instanceof ReLU) {
        w.u8(RELU);
      } else if (layer instanceof Square) {
        w.u8(SQUARE);
      } else if (layer instanceof Polynomial p) {
        w.u8(POLYNOMIAL);
        w.u32(p.degree() + 1);
        w.f64s(p.coefficients());
      } else if (layer instanceof Argmax) {
        w.u8(ARGMAX);
      } else {
        throw new IllegalStateException("no file encoding for " + layer.kind());
      }
    }
    InputBox box = model.inputBox().orElse(null);
    if (box != null) {
      if (box.isUniform()) {
        w.u8(BOX_UNIFORM);
        w.f64s(new double[] {box.lower(0), box.upper(0)});
      } else {
        double[] lo = new double[box.size()];
        double[] hi = new double[box.size()];
        for (int i = 0; i < lo.length; i++) {
          lo[i] = box.lower(i);
          hi[i] = box.upper(i);
        }
        w.u8(BOX_PER_FEATURE);
        w.f64s(lo);
        w.f64s(hi);
      }
    }
    byte[] body = content.toByteArray();
    ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + body.length + CHECKSUM_BYTES)
        .order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).putShort((short) (box == null ? VERSION_WITHOUT_BOX : VERSION))
        .putShort((short) 0).putLong(body.length).put(body);
    out.put(sha256(out.array(), 0, HEADER_BYTES + body.length));
    return out.array();
  }

  /**
   * Parses the file format.
   *
   * @throws ModelFormatException if the bytes are not a valid model file
   */
  public static Model fromBytes(byte[] bytes) {
    if (bytes.length < HEADER_BYTES + CHECKSUM_BYTES) {
      throw new ModelFormatException("truncated: " + bytes.length + " bytes is shorter than any model file");
    }
    if (!Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new ModelFormatException("not an OML model file (wrong magic)");
    }
    ByteBuffer head = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    head.position(MAGIC.length);
    int version = Short.toUnsignedInt(head.getShort());
    if (version != VERSION && version != VERSION_WITHOUT_BOX) {
      throw new ModelFormatException("format version " + version + " is not supported (this library reads "
          + VERSION_WITHOUT_BOX + " and " + VERSION + ")");
    }
    int flags = Short.toUnsignedInt(head.getShort());
    if (flags != 0) {
      throw new ModelFormatException("unknown flags 0x" + Integer.toHexString(flags));
    }
    long contentLength = head.getLong();
    long expected = (long) bytes.length - HEADER_BYTES - CHECKSUM_BYTES;
    if (contentLength != expected) {
      throw new ModelFormatException(contentLength < 0 || contentLength > expected
          ? "truncated: header announces " + contentLength + " content bytes, file holds " + expected
          : "trailing bytes: header announces " + contentLength + " content bytes, file holds " + expected);
    }
    byte[] digest = sha256(bytes, 0, bytes.length - CHECKSUM_BYTES);
    if (!MessageDigest.isEqual(digest,
        Arrays.copyOfRange(bytes, bytes.length - CHECKSUM_BYTES, bytes.length))) {
      throw new ModelFormatException("checksum mismatch: the file is corrupted");
    }
    Reader r = new Reader(ByteBuffer.wrap(bytes, HEADER_BYTES, (int) contentLength).slice()
        .order(ByteOrder.LITTLE_ENDIAN));
    try {
      String name = new String(r.bytes(r.u16()), StandardCharsets.UTF_8);
      Shape input = new Shape(r.dim("input channels"), r.dim("input height"), r.dim("input width"));
      int l = r.u8();
      int f = r.u8();
      int activationBits = r.u8();
      r.u8();
      FixedPointFormat format = FixedPointFormat.of(l, f);
      int count = r.u32();
      if (count <= 0 || count > Model.MAX_LAYERS) {
        throw new ModelFormatException("layer count " + Integer.toUnsignedString(count)
            + " outside [1, " + Model.MAX_LAYERS + "]");
      }
      List<Layer> layers = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        layers.add(readLayer(r, i));
      }
      InputBox box = version == VERSION ? readBox(r, input.size()) : null;
      if (r.remaining() != 0) {
        throw new ModelFormatException(r.remaining() + " unparsed bytes after the last layer");
      }
      Model m = Model.of(name, input, layers, format, activationBits);
      return box == null ? m : m.withInputBox(box);
    } catch (ModelValidationException | IllegalArgumentException e) {
      throw new ModelFormatException("invalid model: " + e.getMessage(), e);
    }
  }

  private static InputBox readBox(Reader r, int features) {
    int kind = r.u8();
    if (kind == BOX_UNIFORM) {
      double[] b = r.f64s(2, "input box");
      return InputBox.uniform(features, b[0], b[1]);
    }
    if (kind == BOX_PER_FEATURE) {
      double[] lo = r.f64s(features, "input box lower bounds");
      double[] hi = r.f64s(features, "input box upper bounds");
      return InputBox.of(lo, hi);
    }
    throw new ModelFormatException("input box has unknown kind code " + kind);
  }

  private static Layer readLayer(Reader r, int index) {
    int kind = r.u8();
    switch (kind) {
      case DENSE: {
        int in = r.dim("layer " + index + " dense inputs");
        int out = r.dim("layer " + index + " dense outputs");
        double[] w = r.f64s((long) in * out, "layer " + index + " dense weights");
        double[] b = r.f64s(out, "layer " + index + " dense bias");
        return new Dense(in, out, w, b);
      }
      case CONV2D: {
        String n = "layer " + index + " conv2d";
        int inC = r.dim(n + " input channels");
        int outC = r.dim(n + " output channels");
        int k = r.dim(n + " kernel");
        int s = r.dim(n + " stride");
        int p = r.u32();
        if (p < 0 || p > MAX_DIM) {
          throw new ModelFormatException(n + " padding " + Integer.toUnsignedString(p) + " is absurd");
        }
        double[] w = r.f64s((long) outC * inC * k * k, n + " weights");
        double[] b = r.f64s(outC, n + " bias");
        return new Conv2D(inC, outC, k, s, p, w, b);
      }
      case AVGPOOL2D:
        return new AvgPool2D(r.dim("layer " + index + " avgpool2d kernel"),
            r.dim("layer " + index + " avgpool2d stride"));
      case MAXPOOL2D:
        return new MaxPool2D(r.dim("layer " + index + " maxpool2d kernel"),
            r.dim("layer " + index + " maxpool2d stride"));
      case FLATTEN:
        return new Flatten();
      case RELU:
        return new ReLU();
      case SQUARE:
        return new Square();
      case POLYNOMIAL: {
        int c = r.u32();
        if (c < 2 || c > Polynomial.MAX_DEGREE + 1) {
          throw new ModelFormatException("layer " + index + " polynomial has "
              + Integer.toUnsignedString(c) + " coefficients");
        }
        return new Polynomial(r.f64s(c, "layer " + index + " polynomial"));
      }
      case ARGMAX:
        return new Argmax();
      default:
        throw new ModelFormatException("layer " + index + " has unknown kind code " + kind);
    }
  }

  static byte[] sha256(byte[] data, int off, int len) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(data, off, len);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new OmlException("SHA-256 is not available in this JVM", e);
    }
  }

  private static final class Writer {
    private final ByteArrayOutputStream out;
    private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

    Writer(ByteArrayOutputStream out) {
      this.out = out;
    }

    void u8(int v) {
      out.write(v);
    }

    void u16(int v) {
      scratch.clear();
      scratch.putShort((short) v);
      out.write(scratch.array(), 0, 2);
    }

    void u32(int v) {
      scratch.clear();
      scratch.putInt(v);
      out.write(scratch.array(), 0, 4);
    }

    void bytes(byte[] b) {
      out.write(b, 0, b.length);
    }

    void f64s(double[] v) {
      ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
      b.asDoubleBuffer().put(v);
      out.write(b.array(), 0, b.capacity());
    }
  }

  private static final class Reader {
    private final ByteBuffer in;

    Reader(ByteBuffer in) {
      this.in = in;
    }

    int remaining() {
      return in.remaining();
    }

    private void need(long n, String what) {
      if (n > in.remaining()) {
        throw new ModelFormatException("truncated while reading " + what);
      }
    }

    int u8() {
      need(1, "a byte");
      return Byte.toUnsignedInt(in.get());
    }

    int u16() {
      need(2, "a length");
      return Short.toUnsignedInt(in.getShort());
    }

    int u32() {
      need(4, "an integer");
      return in.getInt();
    }

    int dim(String what) {
      int v = u32();
      if (v <= 0 || v > MAX_DIM) {
        throw new ModelFormatException(what + " = " + Integer.toUnsignedString(v)
            + " is outside [1, " + MAX_DIM + "]");
      }
      return v;
    }

    byte[] bytes(int n) {
      need(n, "a string");
      byte[] b = new byte[n];
      in.get(b);
      return b;
    }

    double[] f64s(long n, String what) {
      if (n > Model.MAX_PARAMETERS) {
        throw new ModelFormatException(what + ": " + n + " values exceed the cap of " + Model.MAX_PARAMETERS);
      }
      need(n * 8, what);
      double[] v = new double[(int) n];
      in.asDoubleBuffer().get(v);
      in.position(in.position() + (int) n * 8);
      for (int i = 0; i < v.length; i++) {
        if (!Double.isFinite(v[i])) {
          throw new ModelFormatException(what + ": value " + i + " is " + v[i]
              + "; weights must be finite");
        }
      }
      return v;
    }
  }
}
