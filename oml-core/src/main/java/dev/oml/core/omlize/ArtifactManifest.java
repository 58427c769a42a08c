package dev.oml.core.omlize;

import dev.oml.core.OmlException;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.io.FileFormatException.Reason;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.AvgPool2D;
import dev.oml.core.model.Conv2D;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Model;
import dev.oml.core.model.Polynomial;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import dev.oml.core.reference.QuantizedModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The public description of an OMLized model, shared by the licensee artifact and the owner key
 * share: the architecture (layer kinds and sizes without trained weights, polynomial
 * coefficients, which are part of the public activation), the fixed-point format and activation
 * bound, the 128-bit artifact salt, the owner's and the licensee's Ed25519 public keys, the list
 * of shared tensors ({@code layer<i>.matrix}, {@code layer<i>.bias}) and the format version.
 * Its canonical encoding is hashed into the {@link ModelId}.
 */
public final class ArtifactManifest {
  /** Version of the manifest and artifact encoding. */
  public static final int FORMAT_VERSION = 1;
  /** Length of the artifact salt in bytes. */
  public static final int SALT_BYTES = 16;

  private static final int DENSE = 1;
  private static final int CONV2D = 2;
  private static final int AVGPOOL2D = 3;
  private static final int FLATTEN = 4;
  private static final int RELU = 5;
  private static final int SQUARE = 6;
  private static final int POLYNOMIAL = 7;
  private static final int ARGMAX = 8;
  private static final int MAXPOOL2D = 9;

  private final Model skeleton;
  private final byte[] salt;
  private final SigningPublicKey ownerKey;
  private final SigningPublicKey licenseeKey;
  private final List<TensorInfo> tensors;
  private final byte[] encoded;

  /** One shared tensor: its name (the PRG domain), its layer, and its number of ring elements. */
  public record TensorInfo(String name, int layer, boolean bias, int length) {}

  private ArtifactManifest(Model skeleton, byte[] salt, SigningPublicKey ownerKey,
      SigningPublicKey licenseeKey) {
    this.skeleton = skeleton;
    this.salt = salt;
    this.ownerKey = ownerKey;
    this.licenseeKey = licenseeKey;
    this.tensors = Collections.unmodifiableList(tensorsOf(skeleton));
    this.encoded = encode();
  }

  /** The manifest of {@code model} (its weights are dropped) for one licensee. */
  static ArtifactManifest of(Model model, byte[] salt, SigningPublicKey ownerKey,
      SigningPublicKey licenseeKey) {
    if (salt.length != SALT_BYTES) {
      throw new IllegalArgumentException("salt must have " + SALT_BYTES + " bytes");
    }
    return new ArtifactManifest(skeletonOf(model), salt.clone(), ownerKey, licenseeKey);
  }

  /** Name of the tensor holding layer {@code i}'s matrix (or bias): the PRG's domain. */
  public static String tensorName(int layer, boolean bias) {
    return "layer" + layer + (bias ? ".bias" : ".matrix");
  }

  /**
   * The architecture as a model whose trained weights are all zero: the layer kinds, sizes,
   * shapes, format and activation bound, which are public. Combine it with shares through
   * {@link QuantizedModel#fromShares}.
   */
  public Model architecture() {
    return skeleton;
  }

  public String modelName() {
    return skeleton.name();
  }

  public FixedPointFormat format() {
    return skeleton.format();
  }

  /** A copy of the 16-byte artifact salt. */
  public byte[] salt() {
    return salt.clone();
  }

  public SigningPublicKey ownerKey() {
    return ownerKey;
  }

  public SigningPublicKey licenseeKey() {
    return licenseeKey;
  }

  /** The shared tensors in file order: for each linear layer, its matrix then its bias. */
  public List<TensorInfo> tensors() {
    return tensors;
  }

  /** A copy of the canonical encoding. */
  public byte[] encoded() {
    return encoded.clone();
  }

  byte[] encodedView() {
    return encoded;
  }

  @Override
  public String toString() {
    return "ArtifactManifest(v" + FORMAT_VERSION + ", model '" + skeleton.name() + "', "
        + skeleton.format() + ", " + tensors.size() + " tensors, licensee "
        + licenseeKey.keyId() + ")";
  }

  private static List<TensorInfo> tensorsOf(Model skeleton) {
    QuantizedModel q = QuantizedModel.of(skeleton);
    List<TensorInfo> out = new ArrayList<>();
    for (int i = 0; i < skeleton.layers().size(); i++) {
      if (q.isLinear(i)) {
        out.add(new TensorInfo(tensorName(i, false), i, false, q.rows(i) * q.cols(i)));
        out.add(new TensorInfo(tensorName(i, true), i, true, q.rows(i)));
      }
    }
    return out;
  }

  private static Model skeletonOf(Model model) {
    List<Layer> layers = new ArrayList<>();
    for (Layer l : model.layers()) {
      if (l instanceof Dense d) {
        layers.add(new Dense(d.inputs(), d.outputs(), new double[d.inputs() * d.outputs()],
            new double[d.outputs()]));
      } else if (l instanceof Conv2D c) {
        layers.add(new Conv2D(c.inChannels(), c.outChannels(), c.kernel(), c.stride(), c.padding(),
            new double[c.outChannels() * c.inChannels() * c.kernel() * c.kernel()],
            new double[c.outChannels()]));
      } else {
        layers.add(l);
      }
    }
    return Model.of(model.name(), model.inputShape(), layers, model.format(), model.activationBits());
  }

  private byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeShort(FORMAT_VERSION);
      byte[] name = skeleton.name().getBytes(StandardCharsets.UTF_8);
      out.writeShort(name.length);
      out.write(name);
      Shape s = skeleton.inputShape();
      out.writeInt(s.channels());
      out.writeInt(s.height());
      out.writeInt(s.width());
      out.writeByte(skeleton.format().ringBits());
      out.writeByte(skeleton.format().fractionalBits());
      out.writeByte(skeleton.activationBits());
      out.writeShort(skeleton.layers().size());
      for (Layer l : skeleton.layers()) {
        writeLayer(out, l);
      }
      out.write(salt);
      out.write(ownerKey.encoded());
      out.write(licenseeKey.encoded());
      out.writeInt(tensors.size());
      for (TensorInfo t : tensors) {
        out.writeShort(t.layer());
        out.writeByte(t.bias() ? 1 : 0);
        out.writeInt(t.length());
      }
    } catch (IOException e) {
      throw new IllegalStateException("in-memory stream cannot fail", e);
    }
    return bytes.toByteArray();
  }

  private static void writeLayer(DataOutputStream out, Layer l) throws IOException {
    if (l instanceof Dense d) {
      out.writeByte(DENSE);
      out.writeInt(d.inputs());
      out.writeInt(d.outputs());
    } else if (l instanceof Conv2D c) {
      out.writeByte(CONV2D);
      out.writeInt(c.inChannels());
      out.writeInt(c.outChannels());
      out.writeInt(c.kernel());
      out.writeInt(c.stride());
      out.writeInt(c.padding());
    } else if (l instanceof AvgPool2D p) {
      out.writeByte(AVGPOOL2D);
      out.writeInt(p.kernel());
      out.writeInt(p.stride());
    } else if (l instanceof MaxPool2D p) {
      out.writeByte(MAXPOOL2D);
      out.writeInt(p.kernel());
      out.writeInt(p.stride());
    } else if (l instanceof Flatten) {
      out.writeByte(FLATTEN);
    } else if (l instanceof ReLU) {
      out.writeByte(RELU);
    } else if (l instanceof Square) {
      out.writeByte(SQUARE);
    } else if (l instanceof Polynomial p) {
      out.writeByte(POLYNOMIAL);
      double[] c = p.coefficients();
      out.writeByte(c.length);
      for (double v : c) {
        out.writeLong(Double.doubleToLongBits(v));
      }
    } else if (l instanceof Argmax) {
      out.writeByte(ARGMAX);
    } else {
      throw new IllegalStateException("no manifest encoding for layer kind " + l.kind());
    }
  }

  /**
   * Decodes and validates a manifest; {@code what} names the file in messages.
   *
   * @throws ArtifactFormatException (MALFORMED) if the bytes are not a valid manifest
   */
  static ArtifactManifest decode(byte[] encoded, String what) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
      int version = in.readUnsignedShort();
      if (version != FORMAT_VERSION) {
        throw new ArtifactFormatException(Reason.UNSUPPORTED_VERSION, what + ": manifest version "
            + version + "; this build reads version " + FORMAT_VERSION);
      }
      byte[] name = new byte[in.readUnsignedShort()];
      in.readFully(name);
      Shape shape = new Shape(in.readInt(), in.readInt(), in.readInt());
      int l = in.readUnsignedByte();
      int f = in.readUnsignedByte();
      int act = in.readUnsignedByte();
      int count = in.readUnsignedShort();
      if (count < 1 || count > Model.MAX_LAYERS) {
        throw malformed(what, "layer count " + count + " is out of range");
      }
      List<Layer> layers = new ArrayList<>();
      long parameters = 0;
      for (int i = 0; i < count; i++) {
        Layer layer = readLayer(in, what, i, Model.MAX_PARAMETERS - parameters);
        layers.add(layer);
        if (layer instanceof Dense d) {
          parameters += (long) d.inputs() * d.outputs() + d.outputs();
        } else if (layer instanceof Conv2D c) {
          parameters += (long) c.outChannels() * c.inChannels() * c.kernel() * c.kernel() + c.outChannels();
        }
      }
      byte[] salt = new byte[SALT_BYTES];
      in.readFully(salt);
      byte[] owner = new byte[SigningPublicKey.BYTES];
      in.readFully(owner);
      byte[] licensee = new byte[SigningPublicKey.BYTES];
      in.readFully(licensee);
      Model skeleton = Model.of(new String(name, StandardCharsets.UTF_8), shape, layers,
          FixedPointFormat.of(l, f), act);
      ArtifactManifest m = new ArtifactManifest(skeleton, salt, SigningPublicKey.decode(owner),
          SigningPublicKey.decode(licensee));
      int tensors = in.readInt();
      if (tensors != m.tensors.size()) {
        throw malformed(what, "lists " + tensors + " tensors, its architecture has " + m.tensors.size());
      }
      for (TensorInfo t : m.tensors) {
        int layer = in.readUnsignedShort();
        int bias = in.readUnsignedByte();
        int length = in.readInt();
        if (layer != t.layer() || bias != (t.bias() ? 1 : 0) || length != t.length()) {
          throw malformed(what, "tensor list does not match its architecture at " + t.name());
        }
      }
      if (in.available() != 0) {
        throw malformed(what, "manifest has trailing bytes");
      }
      if (!java.util.Arrays.equals(m.encoded, encoded)) {
        throw malformed(what, "manifest is not in canonical form");
      }
      return m;
    } catch (ArtifactFormatException e) {
      throw e;
    } catch (IOException e) {
      throw malformed(what, "manifest ends early");
    } catch (OmlException | IllegalArgumentException e) {
      // A model or key that fails validation: the message is about public structure only.
      throw malformed(what, "manifest describes an invalid model: " + e.getMessage());
    }
  }

  /** Reads one layer; {@code budget} is how many parameters the model may still have. */
  private static Layer readLayer(DataInputStream in, String what, int i, long budget)
      throws IOException {
    int kind = in.readUnsignedByte();
    switch (kind) {
      case DENSE: {
        int a = in.readInt();
        int b = in.readInt();
        if (a <= 0 || b <= 0 || (long) a * b + b > budget) {
          throw malformed(what, "layer " + i + " (dense) has invalid sizes");
        }
        return new Dense(a, b, new double[a * b], new double[b]);
      }
      case CONV2D: {
        int ci = in.readInt();
        int co = in.readInt();
        int k = in.readInt();
        int s = in.readInt();
        int p = in.readInt();
        if (ci <= 0 || co <= 0 || k <= 0 || k > 64 || (long) ci * co * k * k + co > budget) {
          throw malformed(what, "layer " + i + " (conv2d) has invalid sizes");
        }
        return new Conv2D(ci, co, k, s, p, new double[ci * co * k * k], new double[co]);
      }
      case AVGPOOL2D:
        return new AvgPool2D(in.readInt(), in.readInt());
      case MAXPOOL2D:
        return new MaxPool2D(in.readInt(), in.readInt());
      case FLATTEN:
        return new Flatten();
      case RELU:
        return new ReLU();
      case SQUARE:
        return new Square();
      case POLYNOMIAL: {
        int n = in.readUnsignedByte();
        if (n < 2 || n > Polynomial.MAX_DEGREE + 1) {
          throw malformed(what, "layer " + i + " (polynomial) has invalid degree");
        }
        double[] c = new double[n];
        for (int j = 0; j < n; j++) {
          c[j] = Double.longBitsToDouble(in.readLong());
        }
        return new Polynomial(c);
      }
      case ARGMAX:
        return new Argmax();
      default:
        throw malformed(what, "layer " + i + " has unknown kind code " + kind);
    }
  }

  private static ArtifactFormatException malformed(String what, String detail) {
    return new ArtifactFormatException(Reason.MALFORMED, what + ": " + detail);
  }
}
