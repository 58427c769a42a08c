package dev.oml.core.model;

import dev.oml.core.fixedpoint.FixedPointFormat;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Imports a model from a NumPy {@code .npz} archive (what {@code numpy.savez} writes), so that
 * PyTorch and Keras users can export a trained network in one line. The naming layout, documented
 * in {@code docs/model-format.md}:
 *
 * <ul>
 *   <li>{@code input_shape}: integers {@code [c, h, w]} or {@code [n]};
 *   <li>optional {@code fixed_point}: {@code [l, f]}; optional {@code activation_bits}: {@code [a]};
 *   <li>for layer {@code i} (counted from 0, no gaps), exactly one kind:
 *       {@code layer<i>.dense.weight} {@code (out, in)} and {@code layer<i>.dense.bias};
 *       {@code layer<i>.conv2d.weight} {@code (out, in, k, k)}, {@code .bias}, {@code .stride},
 *       {@code .padding}; {@code layer<i>.avgpool2d.kernel} and {@code .stride};
 *       {@code layer<i>.maxpool2d.kernel} and {@code .stride};
 *       {@code layer<i>.polynomial.coefficients}; or a marker array (any content)
 *       {@code layer<i>.relu}, {@code .square}, {@code .flatten}, {@code .argmax}.
 * </ul>
 *
 * Arrays must be C-ordered, of dtype float32/float64 (weights) or int32/int64 (sizes).
 * Every problem is a {@link ModelFormatException} that names the array.
 */
public final class NpzImporter {
  /** Fractional bits used when the archive does not say ({@link FormatChoice}). */
  public static final int DEFAULT_FRACTIONAL_BITS = FormatChoice.DEFAULT_FRACTIONAL_BITS;
  /** Activation bound used when the archive does not say: {@code |a| < 2^6} ({@link FormatChoice}). */
  public static final int DEFAULT_ACTIVATION_BITS = FormatChoice.DEFAULT_ACTIVATION_BITS;

  /**
   * Largest array entry, uncompressed: 64 MiB (8 million float64 weights). A zip entry inflates
   * up to about a thousand times its stored size, so the caps are checked on the declared size
   * before inflating and again on the bytes actually inflated (the declaration may lie).
   */
  public static final long MAX_ENTRY_BYTES = 64L << 20;
  /** Largest archive, all entries uncompressed together: 256 MiB. */
  public static final long MAX_TOTAL_BYTES = 256L << 20;
  /** Most entries an archive may hold. */
  public static final int MAX_ENTRIES = 4096;
  private static final Pattern LAYER = Pattern.compile("layer(\\d+)\\.([a-z0-9_]+)(?:\\.([a-z_]+))?");
  /** A PyTorch state_dict key such as {@code fc1.weight} or {@code features.0.bias}. */
  private static final Pattern STATE_DICT = Pattern.compile("[A-Za-z0-9_.]*\\.(weight|bias|running_mean|running_var|num_batches_tracked)");
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private NpzImporter() {}

  /** One array read from an {@code .npy} entry. */
  record NpyArray(String name, int[] shape, double[] values) {
    int size() {
      return values.length;
    }
  }

  /**
   * Reads {@code path} and builds a model named {@code name}.
   *
   * @throws ModelFormatException if the archive does not follow the layout
   */
  public static Model load(Path path, String name) {
    Map<String, NpyArray> arrays;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(path))) {
      in.mark(8);
      byte[] head = in.readNBytes(8);
      in.reset();
      String other = otherFormat(path, head);
      if (other != null) {
        throw new ModelFormatException(path + ": " + other);
      }
      arrays = readArchive(in);
    } catch (ModelFormatException e) {
      throw e.getMessage().startsWith(path.toString()) ? e
          : new ModelFormatException(path + ": " + e.getMessage(), e);
    } catch (NoSuchFileException e) {
      throw new ModelFormatException(path + ": no such file");
    } catch (ZipException e) {
      throw new ModelFormatException(path + ": not a valid .npz (zip) archive: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ModelFormatException(path + ": cannot read: " + e.getMessage(), e);
    }
    try {
      return build(arrays, name);
    } catch (ModelValidationException | IllegalArgumentException e) {
      throw new ModelFormatException(path + ": invalid model: " + e.getMessage(), e);
    }
  }

  /** What to say of a file that is some other model format, from its first bytes; or null. */
  static String otherFormat(Path path, byte[] head) {
    String file = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    if (file.endsWith(".onnx")) {
      return "this is an ONNX file, not an .npz archive: import it as './oml import "
          + path.getFileName() + "' (docs/onnx.md)";
    }
    if (head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
      return "this is a Python pickle (torch.save before PyTorch 1.6, or pickle.dump), not an .npz"
          + " archive; " + TORCH_HINT;
    }
    if (head.length >= 4 && (head[0] & 0xff) == 0x89 && head[1] == 'H' && head[2] == 'D' && head[3] == 'F') {
      return "this is an HDF5 file (a Keras .h5 model), not an .npz archive: convert it to ONNX"
          + " (tf2onnx) and import the .onnx file (docs/onnx.md), or save the weights with"
          + " numpy.savez (docs/model-format.md)";
    }
    return null;
  }

  /** What a PyTorch user should do instead of handing us a checkpoint. */
  static final String TORCH_HINT = "export the model with torch.onnx.export(model.eval(), example_input,"
      + " 'model.onnx') and import that file (docs/onnx.md), or write the weights with numpy.savez"
      + " in the layout of docs/model-format.md";

  static Map<String, NpyArray> readArchive(InputStream raw) throws IOException {
    Map<String, NpyArray> out = new HashMap<>();
    long total = 0;
    try (ZipInputStream zip = new ZipInputStream(raw)) {
      ZipEntry e;
      while ((e = zip.getNextEntry()) != null) {
        String entry = e.getName();
        if (entry.endsWith("data.pkl") || entry.endsWith("/version") || entry.contains("/data/")
            || entry.endsWith("byteorder")) {
          throw new ModelFormatException("this is a PyTorch checkpoint (torch.save; entry '" + entry
              + "'), not an .npz archive; " + TORCH_HINT);
        }
        if (!entry.endsWith(".npy")) {
          throw new ModelFormatException("entry '" + entry + "' is not a .npy array");
        }
        if (out.size() >= MAX_ENTRIES) {
          throw new ModelFormatException("the archive holds more than " + MAX_ENTRIES + " arrays");
        }
        long declared = e.getSize();
        if (declared > MAX_ENTRY_BYTES) {
          throw new ModelFormatException("entry '" + entry + "' declares " + declared
              + " bytes uncompressed, more than the limit of " + MAX_ENTRY_BYTES);
        }
        if (declared > 0 && total + declared > MAX_TOTAL_BYTES) {
          throw tooLarge();
        }
        String name = entry.substring(0, entry.length() - 4);
        byte[] data = readBounded(zip, entry, Math.min(MAX_ENTRY_BYTES, MAX_TOTAL_BYTES - total));
        total += data.length;
        if (out.put(name, parseNpy(name, data)) != null) {
          throw new ModelFormatException("array '" + name + "' appears twice");
        }
      }
    }
    if (out.isEmpty()) {
      throw new ModelFormatException("the archive holds no arrays");
    }
    return out;
  }

  private static ModelFormatException tooLarge() {
    return new ModelFormatException("the archive's arrays are larger than the limit of " + MAX_TOTAL_BYTES
        + " bytes uncompressed");
  }

  /** Inflates one entry, stopping as soon as it exceeds {@code limit} bytes. */
  private static byte[] readBounded(InputStream in, String entry, long limit) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] chunk = new byte[1 << 16];
    long total = 0;
    int n;
    while ((n = in.read(chunk, 0, (int) Math.min(chunk.length, limit - total + 1))) > 0) {
      total += n;
      if (total > limit) {
        if (limit < MAX_ENTRY_BYTES) {
          throw tooLarge();
        }
        throw new ModelFormatException("entry '" + entry + "' is larger than the limit of " + limit
            + " bytes uncompressed");
      }
      buf.write(chunk, 0, n);
    }
    return buf.toByteArray();
  }

  static NpyArray parseNpy(String name, byte[] b) {
    if (b.length < 10 || (b[0] & 0xff) != 0x93 || b[1] != 'N' || b[2] != 'U' || b[3] != 'M'
        || b[4] != 'P' || b[5] != 'Y') {
      throw new ModelFormatException("array '" + name + "' is not in .npy format (bad magic)");
    }
    int major = b[6];
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen;
    int offset;
    if (major == 1) {
      headerLen = Short.toUnsignedInt(buf.getShort(8));
      offset = 10;
    } else if (major == 2 || major == 3) {
      if (b.length < 12) {
        throw new ModelFormatException("array '" + name + "' is truncated");
      }
      headerLen = buf.getInt(8);
      offset = 12;
    } else {
      throw new ModelFormatException("array '" + name + "' has .npy version " + major + ", not 1-3");
    }
    if (headerLen < 0 || offset + (long) headerLen > b.length) {
      throw new ModelFormatException("array '" + name + "' is truncated in its header");
    }
    String header = new String(b, offset, headerLen, StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(header);
    Matcher f = FORTRAN.matcher(header);
    Matcher s = SHAPE.matcher(header);
    if (!d.find() || !f.find() || !s.find()) {
      throw new ModelFormatException("array '" + name + "' has an unreadable .npy header");
    }
    String descr = d.group(1);
    int[] shape = parseShape(name, s.group(1));
    long count = 1;
    for (int dim : shape) {
      count *= dim;
      if (count > Model.MAX_PARAMETERS) {
        throw new ModelFormatException("array '" + name + "' has more than " + Model.MAX_PARAMETERS + " values");
      }
    }
    if (f.group(1).equals("True") && shape.length > 1) {
      throw new ModelFormatException("array '" + name
          + "' is Fortran-ordered; save it C-ordered (numpy.ascontiguousarray)");
    }
    int width;
    switch (descr) {
      case "<f8", "<i8", "<u8" -> width = 8;
      case "<f4", "<i4", "<u4" -> width = 4;
      case "|u1", "|i1", "|b1" -> width = 1;
      default -> throw new ModelFormatException("array '" + name + "' has dtype " + descr
          + "; use float32, float64, int32 or int64 (little-endian)");
    }
    int data = offset + headerLen;
    if ((long) data + count * width != b.length) {
      throw new ModelFormatException("array '" + name + "' holds " + (b.length - data) + " data bytes, its shape needs "
          + (count * width));
    }
    double[] v = new double[(int) count];
    for (int i = 0; i < v.length; i++) {
      int p = data + i * width;
      v[i] = switch (descr) {
        case "<f8" -> buf.getDouble(p);
        case "<f4" -> buf.getFloat(p);
        case "<i8" -> (double) buf.getLong(p);
        case "<u8" -> buf.getLong(p) < 0 ? Double.NaN : (double) buf.getLong(p);
        case "<i4" -> buf.getInt(p);
        case "<u4" -> Integer.toUnsignedLong(buf.getInt(p));
        case "|u1", "|b1" -> b[p] & 0xff;
        default -> b[p];
      };
    }
    return new NpyArray(name, shape, v);
  }

  private static int[] parseShape(String name, String text) {
    List<Integer> dims = new ArrayList<>();
    for (String part : text.split(",")) {
      String t = part.trim();
      if (t.isEmpty()) {
        continue;
      }
      try {
        int v = Integer.parseInt(t.endsWith("L") ? t.substring(0, t.length() - 1) : t);
        if (v < 0) {
          throw new NumberFormatException();
        }
        dims.add(v);
      } catch (NumberFormatException e) {
        throw new ModelFormatException("array '" + name + "' has an unreadable shape (" + text + ")");
      }
    }
    return dims.stream().mapToInt(Integer::intValue).toArray();
  }

  static Model build(Map<String, NpyArray> arrays, String name) {
    Map<String, NpyArray> left = new HashMap<>(arrays);
    int[] in = ints(take(left, "input_shape"));
    Shape input = switch (in.length) {
      case 1 -> Shape.vector(in[0]);
      case 3 -> new Shape(in[0], in[1], in[2]);
      default -> throw new ModelFormatException("input_shape must have 1 or 3 entries, has " + in.length);
    };
    NpyArray fp = left.remove("fixed_point");
    NpyArray ab = left.remove("activation_bits");
    int activationBits = ab == null ? DEFAULT_ACTIVATION_BITS : ints(ab)[0];

    TreeSet<Integer> indices = new TreeSet<>();
    for (String key : left.keySet()) {
      Matcher m = LAYER.matcher(key);
      if (!m.matches()) {
        String hint = STATE_DICT.matcher(key).matches()
            ? "; it looks like a PyTorch state_dict key: name the arrays layer<i>.<kind>.<part>"
                + " (layer0.dense.weight for the first nn.Linear, see docs/model-format.md), or "
                + TORCH_HINT
            : " (see docs/model-format.md)";
        throw new ModelFormatException("array '" + key + "' does not follow the layout"
            + " (layer<i>.<kind>[.<part>])" + hint);
      }
      indices.add(Integer.parseInt(m.group(1)));
    }
    if (indices.isEmpty()) {
      throw new ModelFormatException("the archive defines no layers");
    }
    if (indices.first() != 0 || indices.last() != indices.size() - 1) {
      throw new ModelFormatException("layer indices must run from 0 without gaps, found " + indices);
    }
    List<Layer> layers = new ArrayList<>();
    Shape s = input;
    for (int i = 0; i < indices.size(); i++) {
      Layer layer = layer(left, i, s);
      try {
        s = layer.outputShape(s);
      } catch (ModelValidationException e) {
        throw new ModelFormatException("layer " + i + " (" + layer.kind() + "): " + e.getMessage());
      }
      layers.add(layer);
    }
    if (!left.isEmpty()) {
      throw new ModelFormatException("unused arrays " + new TreeSet<>(left.keySet())
          + " (each layer has exactly one kind)");
    }
    if (fp == null) {
      return FormatChoice.build(name, input, layers, DEFAULT_FRACTIONAL_BITS, activationBits);
    }
    int[] lf = ints(fp);
    if (lf.length != 2) {
      throw new ModelFormatException("fixed_point must be [l, f]");
    }
    Model probe = Model.of(name, input, layers, FixedPointFormat.of(60, DEFAULT_FRACTIONAL_BITS),
        activationBits);
    return probe.withFormat(FixedPointFormat.of(lf[0], lf[1]));
  }

  private static Layer layer(Map<String, NpyArray> left, int i, Shape input) {
    String p = "layer" + i + ".";
    if (left.containsKey(p + "dense.weight")) {
      NpyArray w = take(left, p + "dense.weight");
      NpyArray b = take(left, p + "dense.bias");
      int[] sh = w.shape();
      int in = input.size();
      if (sh.length != 2) {
        throw new ModelFormatException("array '" + w.name() + "' has shape " + shape(sh)
            + "; a dense weight is 2-D, (out, in) = (outputs, " + in + ") here");
      }
      if (sh[1] != in) {
        String why = sh[0] == in
            ? "; it looks transposed: weights are (out, in) as in PyTorch's nn.Linear.weight, so save"
                + " a Keras kernel or an (in, out) matrix as its transpose (w.T)"
            : "";
        throw new ModelFormatException("array '" + w.name() + "' has shape " + shape(sh)
            + ", but layer " + i + " receives " + in + " values (input " + input + "): expected (out, "
            + in + ")" + why);
      }
      if (b.size() != sh[0]) {
        throw new ModelFormatException("array '" + b.name() + "' has " + b.size() + " values; the"
            + " weight '" + w.name() + "' " + shape(sh) + " has " + sh[0] + " outputs, so expected ("
            + sh[0] + ",)");
      }
      try {
        return new Dense(sh[1], sh[0], w.values(), b.values());
      } catch (ModelValidationException e) {
        throw new ModelFormatException("array '" + w.name() + "': " + e.getMessage(), e);
      }
    }
    if (left.containsKey(p + "conv2d.weight")) {
      NpyArray w = take(left, p + "conv2d.weight");
      NpyArray b = take(left, p + "conv2d.bias");
      int stride = ints(take(left, p + "conv2d.stride"))[0];
      int padding = ints(take(left, p + "conv2d.padding"))[0];
      int[] sh = w.shape();
      if (sh.length != 4 || sh[2] != sh[3]) {
        throw new ModelFormatException("array '" + w.name() + "' has shape " + shape(sh)
            + "; expected (out, in, k, k) with a square kernel, as PyTorch's nn.Conv2d.weight"
            + (sh.length == 4 && sh[0] == sh[1] ? "; a Keras/TensorFlow kernel (k, k, in, out) is"
                + " saved as w.transpose(3, 2, 0, 1)" : ""));
      }
      if (sh[1] != input.channels()) {
        String why = sh[0] == sh[1] || sh[2] == input.channels()
            ? "; it looks like a Keras/TensorFlow kernel (k, k, in, out): save it as"
                + " w.transpose(3, 2, 0, 1)"
            : "";
        throw new ModelFormatException("array '" + w.name() + "' has shape " + shape(sh)
            + ", but layer " + i + " receives " + input.channels() + " channels (input " + input
            + "): expected (out, " + input.channels() + ", k, k)" + why);
      }
      if (b.size() != sh[0]) {
        throw new ModelFormatException("array '" + b.name() + "' has " + b.size() + " values; the"
            + " weight '" + w.name() + "' " + shape(sh) + " has " + sh[0] + " output channels, so"
            + " expected (" + sh[0] + ",)");
      }
      try {
        return new Conv2D(sh[1], sh[0], sh[2], stride, padding, w.values(), b.values());
      } catch (ModelValidationException e) {
        throw new ModelFormatException("array '" + w.name() + "': " + e.getMessage(), e);
      }
    }
    if (left.containsKey(p + "avgpool2d.kernel")) {
      int k = ints(take(left, p + "avgpool2d.kernel"))[0];
      int s = ints(take(left, p + "avgpool2d.stride"))[0];
      return new AvgPool2D(k, s);
    }
    if (left.containsKey(p + "maxpool2d.kernel")) {
      int k = ints(take(left, p + "maxpool2d.kernel"))[0];
      int s = ints(take(left, p + "maxpool2d.stride"))[0];
      return new MaxPool2D(k, s);
    }
    if (left.containsKey(p + "polynomial.coefficients")) {
      return new Polynomial(take(left, p + "polynomial.coefficients").values());
    }
    for (String marker : new String[] {"relu", "square", "flatten", "argmax"}) {
      if (left.remove(p + marker) != null) {
        return switch (marker) {
          case "relu" -> new ReLU();
          case "square" -> new Square();
          case "flatten" -> new Flatten();
          default -> new Argmax();
        };
      }
    }
    List<String> mine = new ArrayList<>(new TreeSet<>(left.keySet()).stream()
        .filter(k -> k.startsWith(p)).toList());
    if (mine.isEmpty()) {
      throw new ModelFormatException("layer " + i + " has no arrays (input " + input + ")");
    }
    String kind = mine.get(0).substring(p.length()).split("\\.")[0];
    String hint = switch (kind) {
      case "maxpool", "max_pool2d" -> "max pooling is kind 'maxpool2d' (arrays " + p
          + "maxpool2d.kernel and .stride)";
      case "batchnorm", "batchnorm2d", "bn", "batch_norm" -> "fold batch normalization into the"
          + " dense or conv2d layer before it (w * gamma / sqrt(var + eps) per output), or export"
          + " to ONNX, whose importer folds it (docs/onnx.md)";
      case "linear", "fc" -> "PyTorch's nn.Linear is kind 'dense': name its arrays " + p
          + "dense.weight (out, in) and " + p + "dense.bias";
      case "conv", "conv2" -> "name a convolution's arrays " + p + "conv2d.weight (out, in, k, k), "
          + ".bias, .stride and .padding";
      default -> "known kinds: dense, conv2d, avgpool2d, maxpool2d, polynomial, relu, square, flatten, argmax";
    };
    throw new ModelFormatException("layer " + i + ": arrays " + mine + " are of kind '" + kind
        + "', which the .npz layout does not have; " + hint);
  }

  private static String shape(int[] sh) {
    StringBuilder b = new StringBuilder("(");
    for (int k = 0; k < sh.length; k++) {
      b.append(k == 0 ? "" : ", ").append(sh[k]);
    }
    return b.append(sh.length == 1 ? ",)" : ")").toString();
  }

  private static NpyArray take(Map<String, NpyArray> left, String key) {
    NpyArray a = left.remove(key);
    if (a == null) {
      throw new ModelFormatException("missing array '" + key + "'");
    }
    return a;
  }

  private static int[] ints(NpyArray a) {
    if (a.size() == 0) {
      throw new ModelFormatException("array '" + a.name() + "' is empty");
    }
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      double v = a.values()[i];
      if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
        throw new ModelFormatException("array '" + a.name() + "' must hold integers");
      }
      out[i] = (int) v;
    }
    return out;
  }
}
