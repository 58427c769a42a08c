package dev.oml.core.model;

import dev.oml.core.io.ByteReader;
import dev.oml.core.io.ByteWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The one encoding of layers, shared by model files ({@code .omlm}, with trained weights) and
 * artifact manifests (the public architecture only). Every layer is its kind code (one byte), its
 * structural integers (four bytes each), then, for a kind with public coefficients, their count
 * and values, then, in a model file only, its trained tensors as float64. The byte order is the
 * writer's: model files are little-endian, manifests big-endian; both layouts are pinned by the
 * golden files under {@code oml-core/src/test/resources/golden}.
 *
 * <p>The kind codes are declared once, in {@link #KINDS}; a new layer kind is one entry there.
 * Reading checks every integer against its range and the parameter budget before allocating.
 */
public final class LayerCodec {
  /** How a file lays out layers. */
  public enum Layout {
    /** Model files: trained tensors included, coefficient count in four bytes. */
    MODEL_FILE(true, 4),
    /** Manifests: no trained tensors (read back as zeros), coefficient count in one byte. */
    MANIFEST(false, 1);

    private final boolean weights;
    private final int countBytes;

    Layout(boolean weights, int countBytes) {
      this.weights = weights;
      this.countBytes = countBytes;
    }
  }

  /** Largest value of any structural integer (sizes, kernel, stride, padding). */
  static final int MAX_DIM = 1 << 16;

  /** One structural integer: its name in messages and its least value. */
  private record Field(String name, int min) {}

  /** Builds a layer from its structural integers, coefficients and trained tensors. */
  @FunctionalInterface
  private interface Builder {
    Layer build(int[] dims, double[] coefficients, double[][] weights);
  }

  /** Everything the codec knows about one kind; {@code null} parts are absent for the kind. */
  private record Kind<L extends Layer>(int code, Class<L> type, String name, List<Field> fields,
      Function<L, int[]> dims, Function<L, double[]> coefficients,
      Function<L, double[][]> weights, Function<int[], long[]> weightLengths, Builder builder) {

    int[] dimsOf(Layer l) {
      return dims.apply(type.cast(l));
    }

    double[] coefficientsOf(Layer l) {
      return coefficients.apply(type.cast(l));
    }

    double[][] weightsOf(Layer l) {
      return weights.apply(type.cast(l));
    }
  }

  // The kind codes, declared once. Codes are never reused or renumbered: a file names its layers
  // by them. A new kind is one line here (with its code) and one in docs/model-format.md.
  private static final List<Kind<?>> KINDS = List.of(
      trained(1, Dense.class, "dense", d -> ints(d.inputs(), d.outputs()),
          d -> new double[][] {d.weights(), d.bias()},
          n -> new long[] {product(n[0], n[1]), n[1]},
          (n, w) -> new Dense(n[0], n[1], w[0], w[1]), one("inputs"), one("outputs")),
      trained(2, Conv2D.class, "conv2d",
          c -> ints(c.inChannels(), c.outChannels(), c.kernel(), c.stride(), c.padding()),
          c -> new double[][] {c.weights(), c.bias()},
          n -> new long[] {product(n[0], n[1], n[2], n[2]), n[1]},
          (n, w) -> new Conv2D(n[0], n[1], n[2], n[3], n[4], w[0], w[1]),
          one("input channels"), one("output channels"), one("kernel"), one("stride"),
          zero("padding")),
      plain(3, AvgPool2D.class, "avgpool2d", p -> ints(p.kernel(), p.stride()),
          n -> new AvgPool2D(n[0], n[1]), one("kernel"), one("stride")),
      plain(4, Flatten.class, "flatten", l -> ints(), n -> new Flatten()),
      plain(5, ReLU.class, "relu", l -> ints(), n -> new ReLU()),
      plain(6, Square.class, "square", l -> ints(), n -> new Square()),
      new Kind<>(7, Polynomial.class, "polynomial", List.of(), l -> ints(),
          Polynomial::coefficients, null, null, (n, c, w) -> new Polynomial(c)),
      plain(8, Argmax.class, "argmax", l -> ints(), n -> new Argmax()),
      plain(9, MaxPool2D.class, "maxpool2d", p -> ints(p.kernel(), p.stride()),
          n -> new MaxPool2D(n[0], n[1]), one("kernel"), one("stride")));

  private LayerCodec() {}

  /**
   * Appends the encoding of {@code layers} (without their count, which each format writes in
   * its own width) to {@code out}.
   *
   * @throws IllegalStateException if a layer has no encoding (a kind missing from the table)
   */
  public static void write(ByteWriter out, Layout layout, List<Layer> layers) {
    for (Layer layer : layers) {
      Kind<?> kind = kindOf(layer);
      out.u8(kind.code());
      for (int v : kind.dimsOf(layer)) {
        out.u32(v);
      }
      if (kind.coefficients() != null) {
        double[] c = kind.coefficientsOf(layer);
        if (layout.countBytes == 1) {
          out.u8(c.length);
        } else {
          out.u32(c.length);
        }
        out.f64s(c);
      }
      if (kind.weights() != null && layout.weights) {
        for (double[] w : kind.weightsOf(layer)) {
          out.f64s(w);
        }
      }
    }
  }

  /**
   * Reads {@code count} layers. In {@link Layout#MANIFEST} the trained tensors are zeros of the
   * right lengths.
   *
   * @throws ModelFormatException if a kind code is unknown, an integer is out of range, the
   *     parameters exceed {@link Model#MAX_PARAMETERS}, a weight is not finite or the bytes end
   *     early (the reader's own exception)
   */
  public static List<Layer> read(ByteReader in, Layout layout, int count) {
    List<Layer> layers = new ArrayList<>(count);
    long budget = Model.MAX_PARAMETERS;
    for (int i = 0; i < count; i++) {
      int code = in.u8("layer " + i + " kind");
      Kind<?> kind = null;
      for (Kind<?> k : KINDS) {
        if (k.code() == code) {
          kind = k;
        }
      }
      if (kind == null) {
        throw new ModelFormatException("layer " + i + " has unknown kind code " + code);
      }
      String n = "layer " + i + " " + kind.name();
      int[] dims = new int[kind.fields().size()];
      for (int j = 0; j < dims.length; j++) {
        Field f = kind.fields().get(j);
        dims[j] = in.u32(n + " " + f.name());
        if (dims[j] < f.min() || dims[j] > MAX_DIM) {
          throw new ModelFormatException(n + " " + f.name() + " = "
              + Integer.toUnsignedString(dims[j]) + " is outside [" + f.min() + ", " + MAX_DIM
              + "]");
        }
      }
      double[] coefficients = null;
      if (kind.coefficients() != null) {
        int c = layout.countBytes == 1 ? in.u8(n + " coefficient count")
            : in.u32(n + " coefficient count");
        if (c < 2 || c > Polynomial.MAX_DEGREE + 1) {
          throw new ModelFormatException(n + " has " + Integer.toUnsignedString(c)
              + " coefficients");
        }
        coefficients = in.f64s(c, n + " coefficients");
      }
      double[][] weights = null;
      if (kind.weights() != null) {
        long[] lengths = kind.weightLengths().apply(dims);
        weights = new double[lengths.length][];
        for (int t = 0; t < lengths.length; t++) {
          if (lengths[t] > budget) {
            throw new ModelFormatException(n + ": " + lengths[t] + " weights exceed the cap of "
                + Model.MAX_PARAMETERS + " parameters");
          }
          budget -= lengths[t];
          weights[t] = layout.weights ? finite(in.f64s(lengths[t], n + " weights"), n)
              : new double[(int) lengths[t]];
        }
      }
      layers.add(kind.builder().build(dims, coefficients, weights));
    }
    return layers;
  }

  /** The kind code of {@code layer}, as files store it. */
  public static int codeOf(Layer layer) {
    return kindOf(layer).code();
  }

  private static Kind<?> kindOf(Layer layer) {
    for (Kind<?> k : KINDS) {
      if (k.type().isInstance(layer)) {
        return k;
      }
    }
    throw new IllegalStateException("no file encoding for layer kind " + layer.kind());
  }

  private static double[] finite(double[] v, String what) {
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        throw new ModelFormatException(what + " weights: value " + i + " is " + v[i]
            + "; weights must be finite");
      }
    }
    return v;
  }

  /** The product of sizes, saturating instead of overflowing so the budget check sees it. */
  private static long product(int... v) {
    long p = 1;
    for (int x : v) {
      if (p > Long.MAX_VALUE / Math.max(1, x)) {
        return Long.MAX_VALUE;
      }
      p *= x;
    }
    return p;
  }

  private static int[] ints(int... v) {
    return v;
  }

  private static Field one(String name) {
    return new Field(name, 1);
  }

  private static Field zero(String name) {
    return new Field(name, 0);
  }

  /** A kind with structural integers only. */
  private static <L extends Layer> Kind<L> plain(int code, Class<L> type, String name,
      Function<L, int[]> dims, Function<int[], Layer> build, Field... fields) {
    return new Kind<>(code, type, name, List.of(fields), dims, null, null, null,
        (n, c, w) -> build.apply(n));
  }

  /** A kind with structural integers and trained tensors. */
  private static <L extends Layer> Kind<L> trained(int code, Class<L> type, String name,
      Function<L, int[]> dims, Function<L, double[][]> weights, Function<int[], long[]> lengths,
      java.util.function.BiFunction<int[], double[][], Layer> build, Field... fields) {
    return new Kind<>(code, type, name, List.of(fields), dims, null, weights, lengths,
        (n, c, w) -> build.apply(n, w));
  }
}
