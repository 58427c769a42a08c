package dev.oml.core.model;

import dev.oml.core.fixedpoint.FixedPointFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A trained feed-forward network: an input shape, a list of layers, and the fixed-point format
 * it runs in. Building a model validates it completely: every layer's shape fits the one before
 * (errors name the layer by index and kind), {@link Argmax} can only come last, and the
 * fixed-point format is wide enough for the model (see {@link #requiredRingBits(int)}).
 *
 * <p>{@code activationBits} is a bound on the magnitude of every activation the model produces
 * on its intended inputs: {@code |a| < 2^activationBits}. The trainer measures it; the width check
 * relies on it; the fixed-point reference raises {@link
 * dev.oml.core.fixedpoint.FixedPointOverflowException} if an input breaks it badly enough to
 * overflow the ring.
 *
 * <p>A model may declare its {@link InputBox}, the domain its inputs come from (file format
 * version 2); models read from version-1 files, or built without one, declare none, and modes
 * that need one refuse them or take it from their own configuration. The box is over the model's
 * inputs, after preprocessing.
 *
 * <p>A model may also declare its input {@link InputTransform preprocessing} (file format version
 * 3): what turns a raw input (a pixel in {@code [0, 255]}, say) into the model input its layers
 * take. {@link #preprocess} applies it; without one the raw input is the model input.
 */
public final class Model {
  /** Largest number of layers accepted. */
  public static final int MAX_LAYERS = 256;
  /** Largest number of parameters accepted (about 64 M). */
  public static final long MAX_PARAMETERS = 1L << 26;

  private final String name;
  private final Shape inputShape;
  private final List<Layer> layers;
  private final List<Shape> shapes;
  private final FixedPointFormat format;
  private final int activationBits;
  private final InputBox inputBox;
  private final InputTransform preprocessing;

  private Model(String name, Shape inputShape, List<Layer> layers, FixedPointFormat format,
      int activationBits, InputBox inputBox, InputTransform preprocessing) {
    if (inputBox != null && inputBox.size() != inputShape.size()) {
      throw new ModelValidationException("model '" + name + "': input box of " + inputBox.size()
          + " features for an input of " + inputShape.size());
    }
    if (preprocessing != null && preprocessing.channels() != inputShape.channels()) {
      throw new ModelValidationException("model '" + name + "': preprocessing of "
          + preprocessing.channels() + " channels for an input of " + inputShape.channels());
    }
    this.inputBox = inputBox;
    this.preprocessing = preprocessing == null || preprocessing.isIdentity() ? null : preprocessing;
    this.name = name;
    this.inputShape = inputShape;
    this.layers = List.copyOf(layers);
    this.format = format;
    this.activationBits = activationBits;
    this.shapes = Collections.unmodifiableList(validateShapes(inputShape, this.layers));
    int needed = requiredRingBits(format.fractionalBits());
    if (needed > format.ringBits()) {
      throw new ModelValidationException("model '" + name + "': " + format
          + " is too narrow; it needs l >= " + needed
          + " (2f + log2(fan-in) + weight and activation magnitude bits + 2)");
    }
  }

  /**
   * Builds and validates a model.
   *
   * @throws ModelValidationException if the layers do not fit together or the format is too
   *     narrow for the model
   */
  public static Model of(String name, Shape inputShape, List<Layer> layers, FixedPointFormat format,
      int activationBits) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(inputShape, "inputShape");
    Objects.requireNonNull(format, "format");
    if (name.isEmpty() || name.length() > 200) {
      throw new ModelValidationException("model name must have 1 to 200 characters");
    }
    if (layers.isEmpty() || layers.size() > MAX_LAYERS) {
      throw new ModelValidationException("model '" + name + "' must have 1 to " + MAX_LAYERS
          + " layers, has " + layers.size());
    }
    if (activationBits < 0 || activationBits > 30) {
      throw new ModelValidationException("activation bound 2^" + activationBits
          + " is outside [2^0, 2^30]");
    }
    return new Model(name, inputShape, layers, format, activationBits, null, null);
  }

  /**
   * Builds and validates a model that declares its input domain.
   *
   * @throws ModelValidationException as {@link #of(String, Shape, List, FixedPointFormat, int)},
   *     or if the box does not have one interval per input feature
   */
  public static Model of(String name, Shape inputShape, List<Layer> layers, FixedPointFormat format,
      int activationBits, InputBox inputBox) {
    Objects.requireNonNull(inputBox, "inputBox");
    return of(name, inputShape, layers, format, activationBits).withInputBox(inputBox);
  }

  private static List<Shape> validateShapes(Shape input, List<Layer> layers) {
    List<Shape> out = new ArrayList<>(layers.size() + 1);
    out.add(input);
    Shape s = input;
    long params = 0;
    for (int i = 0; i < layers.size(); i++) {
      Layer layer = Objects.requireNonNull(layers.get(i), "layer " + i);
      if (layer instanceof Argmax && i != layers.size() - 1) {
        throw new ModelValidationException("layer " + i + " (argmax) must be the last layer");
      }
      try {
        s = layer.outputShape(s);
      } catch (ModelValidationException e) {
        throw new ModelValidationException("layer " + i + " (" + layer.kind() + "): " + e.getMessage());
      }
      if (layer instanceof Dense d) {
        params += (long) d.inputs() * d.outputs() + d.outputs();
      } else if (layer instanceof Conv2D c) {
        params += (long) c.outChannels() * c.inChannels() * c.kernel() * c.kernel() + c.outChannels();
      }
      if (params > MAX_PARAMETERS) {
        throw new ModelValidationException("layer " + i + " (" + layer.kind() + "): model exceeds "
            + MAX_PARAMETERS + " parameters");
      }
      out.add(s);
    }
    return out;
  }

  /**
   * The smallest ring width that holds every intermediate value of this model at {@code f}
   * fractional bits. A linear layer's accumulator carries {@code 2f} fractional bits, grows by
   * {@code ceil(log2(fan-in))} bits, and its integer part is bounded by the largest weight (or
   * bias) magnitude times the activation bound; a square or polynomial term multiplies two
   * activations. Two more bits cover the sign and rounding.
   */
  public int requiredRingBits(int f) {
    return requiredRingBits(f, activationBits);
  }

  /**
   * {@link #requiredRingBits(int)} for the same layers under another activation bound {@code
   * 2^activationBits}: what calibration asks before it builds the model with a measured bound.
   */
  public int requiredRingBits(int f, int activationBits) {
    int need = 2 * f + 2;
    for (int i = 0; i < layers.size(); i++) {
      need = Math.max(need, requiredBits(i, f, activationBits));
    }
    return need;
  }

  /**
   * The part of {@link #requiredRingBits(int)} that layer {@code i} contributes: the number of
   * bits {@code b} such that every intermediate value of that layer at {@code f} fractional bits
   * lies in {@code (-2^(b-1), 2^(b-1))}, sign included; 0 for layers that compute nothing
   * (Flatten, ReLU, Argmax). Backends with another modulus (the prime field of tier 2) apply the
   * same analysis layer by layer to name the layer that does not fit.
   */
  public int requiredBits(int i, int f) {
    return requiredBits(i, f, activationBits);
  }

  /** {@link #requiredBits(int, int)} under another activation bound {@code 2^activationBits}. */
  public int requiredBits(int i, int f, int activationBits) {
    Layer layer = layers.get(i);
    if (layer instanceof Dense d) {
      return 2 * f + log2Ceil(d.inputs()) + magnitudeBits(d.weights(), d.bias()) + activationBits + 2;
    } else if (layer instanceof Conv2D c) {
      return 2 * f + log2Ceil(c.inChannels() * c.kernel() * c.kernel())
          + magnitudeBits(c.weights(), c.bias()) + activationBits + 2;
    } else if (layer instanceof AvgPool2D p) {
      return 2 * f + log2Ceil(p.kernel() * p.kernel()) + activationBits + 2;
    } else if (layer instanceof Square) {
      return 2 * f + 2 * activationBits + 2;
    } else if (layer instanceof Polynomial p) {
      return 2 * f + magnitudeBits(p.coefficients()) + 2 * activationBits + log2Ceil(p.degree() + 1) + 2;
    }
    return 0;
  }

  private static int log2Ceil(long n) {
    return n <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1);
  }

  private static int magnitudeBits(double[]... arrays) {
    double max = 0;
    for (double[] a : arrays) {
      for (double v : a) {
        max = Math.max(max, Math.abs(v));
      }
    }
    return max <= 1 ? 0 : Math.getExponent(max) + 1;
  }

  public String name() {
    return name;
  }

  public Shape inputShape() {
    return inputShape;
  }

  /** The shape after the last layer (after {@link Argmax}, a vector of length 1). */
  public Shape outputShape() {
    return shapes.get(shapes.size() - 1);
  }

  /** The shape of the logits: the output of the last layer before any {@link Argmax}. */
  public Shape logitShape() {
    return endsWithArgmax() ? shapes.get(shapes.size() - 2) : outputShape();
  }

  /** Input shape of layer {@code i}. */
  public Shape inputShapeOf(int i) {
    return shapes.get(i);
  }

  /** Output shape of layer {@code i}. */
  public Shape outputShapeOf(int i) {
    return shapes.get(i + 1);
  }

  public List<Layer> layers() {
    return layers;
  }

  public FixedPointFormat format() {
    return format;
  }

  public int activationBits() {
    return activationBits;
  }

  /** True if the model answers with a label. */
  public boolean endsWithArgmax() {
    return layers.get(layers.size() - 1) instanceof Argmax;
  }

  /** The same model run in another fixed-point format (validated again). */
  public Model withFormat(FixedPointFormat other) {
    return new Model(name, inputShape, layers, other, activationBits, inputBox, preprocessing);
  }

  /** The same model declaring {@code box} as its input domain (validated again). */
  public Model withInputBox(InputBox box) {
    return new Model(name, inputShape, layers, format, activationBits,
        Objects.requireNonNull(box, "box"), preprocessing);
  }

  /** The declared input domain (over model inputs, after preprocessing), if any. */
  public Optional<InputBox> inputBox() {
    return Optional.ofNullable(inputBox);
  }

  /**
   * The same model declaring {@code transform} as its input preprocessing (an identity transform
   * declares none).
   *
   * @throws ModelValidationException if the transform has another number of channels than the
   *     input
   */
  public Model withPreprocessing(InputTransform transform) {
    return new Model(name, inputShape, layers, format, activationBits, inputBox,
        Objects.requireNonNull(transform, "transform"));
  }

  /** The declared input preprocessing, if any; absent means the identity. */
  public Optional<InputTransform> preprocessing() {
    return Optional.ofNullable(preprocessing);
  }

  /**
   * The declared input box seen from the raw side: for each feature, the raw values that
   * preprocessing maps into the box (the box itself when the model declares no preprocessing).
   * This is what a client may feed in, for instance {@code [0, 255]} for a box {@code [0, 1]}
   * after a scale of {@code 1/255}.
   */
  public Optional<InputBox> rawInputBox() {
    if (inputBox == null || preprocessing == null) {
      return Optional.ofNullable(inputBox);
    }
    int plane = inputShape.height() * inputShape.width();
    double[] lo = new double[inputBox.size()];
    double[] hi = new double[inputBox.size()];
    for (int i = 0; i < lo.length; i++) {
      double a = preprocessing.invert(i / plane, inputBox.lower(i));
      double b = preprocessing.invert(i / plane, inputBox.upper(i));
      lo[i] = Math.min(a, b);
      hi[i] = Math.max(a, b);
    }
    return Optional.of(InputBox.of(lo, hi));
  }

  /**
   * The model input for raw input {@code raw}: the preprocessing applied, or a copy of
   * {@code raw} when the model declares none.
   *
   * @throws IllegalArgumentException if {@code raw} does not have the input's size
   */
  public double[] preprocess(double[] raw) {
    Objects.requireNonNull(raw, "raw");
    if (raw.length != inputShape.size()) {
      throw new IllegalArgumentException("the model takes " + inputShape.size()
          + " inputs, got " + raw.length);
    }
    return preprocessing == null ? raw.clone() : preprocessing.apply(inputShape, raw);
  }

  /** Number of trained parameters. */
  public long parameterCount() {
    long n = 0;
    for (Layer l : layers) {
      if (l instanceof Dense d) {
        n += (long) d.inputs() * d.outputs() + d.outputs();
      } else if (l instanceof Conv2D c) {
        n += (long) c.outChannels() * c.inChannels() * c.kernel() * c.kernel() + c.outChannels();
      }
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Model m && m.name.equals(name) && m.inputShape.equals(inputShape)
        && m.layers.equals(layers) && m.format.equals(format) && m.activationBits == activationBits
        && Objects.equals(m.inputBox, inputBox) && Objects.equals(m.preprocessing, preprocessing);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, inputShape, layers, format, activationBits, inputBox, preprocessing);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Model '").append(name).append("' ").append(inputShape);
    for (Layer l : layers) {
      sb.append(" -> ").append(l);
    }
    return sb.append(" in ").append(format).toString();
  }
}
