package dev.oml.core.model;

import dev.oml.core.OmlException;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.io.AtomicFiles;
import dev.oml.core.io.ByteReader;
import dev.oml.core.io.ByteWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * Reads and writes the versioned binary model format ({@code .omlm}), documented in
 * {@code docs/model-format.md}: magic, version, content length, content (name, input shape,
 * fixed-point format, layers in the {@link LayerCodec} encoding with little-endian float64
 * tensors, input box, input preprocessing), SHA-256 over everything before it.
 *
 * <p>Loading reads the whole file, checks magic, version, length and checksum before parsing,
 * caps every dimension before allocating, and builds the model only when everything parsed; any
 * failure is a {@link ModelFormatException} and nothing is partly loaded. Writing is atomic.
 */
public final class ModelFiles {
  /** The file extension, with its dot. */
  public static final String EXTENSION = ".omlm";
  /**
   * Current format version: 3 adds the input preprocessing after the input box (which becomes
   * optional, kind 0 meaning none). Every file is written in the lowest version that holds its
   * model: 1 without box and preprocessing, 2 with a box only (both byte for byte as before), 3
   * with preprocessing. All three are read.
   */
  public static final int VERSION = 3;
  /** The version written for models that declare a box but no preprocessing. */
  static final int VERSION_WITH_BOX = 2;
  /** The version written for models that declare no input box and no preprocessing. */
  static final int VERSION_WITHOUT_BOX = 1;
  private static final int BOX_NONE = 0;
  private static final int BOX_UNIFORM = 1;
  private static final int BOX_PER_FEATURE = 2;
  private static final int PREPROCESSING_AFFINE = 1;
  /** Largest file accepted. */
  public static final long MAX_FILE_BYTES = 1L << 30;

  static final byte[] MAGIC = "OMLMODEL".getBytes(StandardCharsets.US_ASCII);
  static final int HEADER_BYTES = 8 + 2 + 2 + 8;
  static final int CHECKSUM_BYTES = 32;

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
    ByteWriter w = ByteWriter.littleEndian();
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
    LayerCodec.write(w, LayerCodec.Layout.MODEL_FILE, model.layers());
    InputBox box = model.inputBox().orElse(null);
    InputTransform pre = model.preprocessing().orElse(null);
    int version = pre != null ? VERSION : box != null ? VERSION_WITH_BOX : VERSION_WITHOUT_BOX;
    if (box == null && version == VERSION) {
      w.u8(BOX_NONE);
    } else if (box != null) {
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
    if (pre != null) {
      w.u8(PREPROCESSING_AFFINE);
      w.f64s(pre.scale());
      w.f64s(pre.offset());
    }
    byte[] body = w.toByteArray();
    ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + body.length + CHECKSUM_BYTES)
        .order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).putShort((short) version)
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
    if (version < VERSION_WITHOUT_BOX || version > VERSION) {
      throw new ModelFormatException("format version " + version + " is not supported (this library reads "
          + VERSION_WITHOUT_BOX + " to " + VERSION + ")");
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
    ByteReader r = ByteReader.of(bytes, HEADER_BYTES, (int) contentLength, ByteOrder.LITTLE_ENDIAN,
        ModelFormatException::new);
    try {
      String name = new String(r.bytes(r.u16("the name length"), "the name"),
          StandardCharsets.UTF_8);
      Shape input = new Shape(dim(r, "input channels"), dim(r, "input height"),
          dim(r, "input width"));
      int l = r.u8("the format");
      int f = r.u8("the format");
      int activationBits = r.u8("the activation bound");
      r.u8("the format");
      FixedPointFormat format = FixedPointFormat.of(l, f);
      int count = r.u32("the layer count");
      if (count <= 0 || count > Model.MAX_LAYERS) {
        throw new ModelFormatException("layer count " + Integer.toUnsignedString(count)
            + " outside [1, " + Model.MAX_LAYERS + "]");
      }
      List<Layer> layers = LayerCodec.read(r, LayerCodec.Layout.MODEL_FILE, count);
      InputBox box = version >= VERSION_WITH_BOX ? readBox(r, input.size(), version) : null;
      InputTransform pre = version >= VERSION ? readPreprocessing(r, input.channels()) : null;
      if (r.remaining() != 0) {
        throw new ModelFormatException(r.remaining() + " unparsed bytes after the last layer");
      }
      Model m = Model.of(name, input, layers, format, activationBits);
      m = box == null ? m : m.withInputBox(box);
      return pre == null ? m : m.withPreprocessing(pre);
    } catch (ModelValidationException | IllegalArgumentException e) {
      throw new ModelFormatException("invalid model: " + e.getMessage(), e);
    }
  }

  private static int dim(ByteReader r, String what) {
    int v = r.u32(what);
    if (v <= 0 || v > LayerCodec.MAX_DIM) {
      throw new ModelFormatException(what + " = " + Integer.toUnsignedString(v)
          + " is outside [1, " + LayerCodec.MAX_DIM + "]");
    }
    return v;
  }

  private static double[] finite(double[] v, String what) {
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        throw new ModelFormatException(what + ": value " + i + " is " + v[i]
            + "; values must be finite");
      }
    }
    return v;
  }

  private static InputTransform readPreprocessing(ByteReader r, int channels) {
    int kind = r.u8("the preprocessing kind");
    if (kind != PREPROCESSING_AFFINE) {
      throw new ModelFormatException("input preprocessing has unknown kind code " + kind);
    }
    double[] scale = finite(r.f64s(channels, "preprocessing scales"), "preprocessing scales");
    double[] offset = finite(r.f64s(channels, "preprocessing offsets"), "preprocessing offsets");
    InputTransform t = InputTransform.of(scale, offset);
    if (t.isIdentity()) {
      // the writer never stores the identity, so a canonical file cannot hold one
      throw new ModelFormatException("input preprocessing is the identity: a version-3 file"
          + " stores only a real transform");
    }
    return t;
  }

  private static InputBox readBox(ByteReader r, int features, int version) {
    int kind = r.u8("the input box kind");
    if (kind == BOX_NONE && version >= VERSION) {
      return null;
    }
    if (kind == BOX_UNIFORM) {
      double[] b = finite(r.f64s(2, "input box"), "input box");
      return InputBox.uniform(features, b[0], b[1]);
    }
    if (kind == BOX_PER_FEATURE) {
      double[] lo = finite(r.f64s(features, "input box lower bounds"), "input box lower bounds");
      double[] hi = finite(r.f64s(features, "input box upper bounds"), "input box upper bounds");
      return InputBox.of(lo, hi);
    }
    throw new ModelFormatException("input box has unknown kind code " + kind);
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
}
