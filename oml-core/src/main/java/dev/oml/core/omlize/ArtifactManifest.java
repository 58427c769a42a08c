package dev.oml.core.omlize;

import dev.oml.core.OmlException;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.io.ByteReader;
import dev.oml.core.io.ByteWriter;
import dev.oml.core.io.FileFormatException.Reason;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.model.Conv2D;
import dev.oml.core.model.Dense;
import dev.oml.core.model.InputTransform;
import dev.oml.core.model.Layer;
import dev.oml.core.model.LayerCodec;
import dev.oml.core.model.Model;
import dev.oml.core.model.Shape;
import dev.oml.core.reference.QuantizedModel;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The public description of an OMLized model, shared by the licensee artifact and the owner key
 * share: the architecture (layer kinds and sizes without trained weights, polynomial
 * coefficients, which are part of the public activation), the fixed-point format and activation
 * bound, the 128-bit artifact salt, the owner's and the licensee's Ed25519 public keys, the list
 * of shared tensors ({@code layer<i>.matrix}, {@code layer<i>.bias}), the format version, and the
 * model's input preprocessing if it declares one (so the licensee applies it to raw inputs).
 * Its canonical encoding is hashed into the {@link ModelId}.
 */
public final class ArtifactManifest {
  /** Version of the manifest and artifact encoding. */
  public static final int FORMAT_VERSION = 1;
  /**
   * Version of a manifest that also carries the model's input preprocessing (after the tensor
   * list). A model without preprocessing keeps version 1, byte for byte as before; the artifact
   * and key-share envelopes keep their own versions.
   */
  public static final int VERSION_WITH_PREPROCESSING = 2;
  private static final int PREPROCESSING_AFFINE = 1;
  /** Length of the artifact salt in bytes. */
  public static final int SALT_BYTES = 16;


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
    Model skeleton = Model.of(model.name(), model.inputShape(), layers, model.format(),
        model.activationBits());
    return model.preprocessing().map(skeleton::withPreprocessing).orElse(skeleton);
  }

  private byte[] encode() {
    ByteWriter out = ByteWriter.bigEndian();
    InputTransform pre = skeleton.preprocessing().orElse(null);
    out.u16(pre == null ? FORMAT_VERSION : VERSION_WITH_PREPROCESSING);
    byte[] name = skeleton.name().getBytes(StandardCharsets.UTF_8);
    out.u16(name.length);
    out.bytes(name);
    Shape s = skeleton.inputShape();
    out.u32(s.channels());
    out.u32(s.height());
    out.u32(s.width());
    out.u8(skeleton.format().ringBits());
    out.u8(skeleton.format().fractionalBits());
    out.u8(skeleton.activationBits());
    out.u16(skeleton.layers().size());
    LayerCodec.write(out, LayerCodec.Layout.MANIFEST, skeleton.layers());
    out.bytes(salt);
    out.bytes(ownerKey.encoded());
    out.bytes(licenseeKey.encoded());
    out.u32(tensors.size());
    for (TensorInfo t : tensors) {
      out.u16(t.layer());
      out.u8(t.bias() ? 1 : 0);
      out.u32(t.length());
    }
    if (pre != null) {
      out.u8(PREPROCESSING_AFFINE);
      out.f64s(pre.scale());
      out.f64s(pre.offset());
    }
    return out.toByteArray();
  }

  /**
   * Decodes and validates a manifest; {@code what} names the file in messages.
   *
   * @throws ArtifactFormatException (MALFORMED) if the bytes are not a valid manifest
   */
  static ArtifactManifest decode(byte[] encoded, String what) {
    ByteReader in = ByteReader.of(encoded, ByteOrder.BIG_ENDIAN,
        m -> malformed(what, "manifest ends early (" + m + ")"));
    try {
      int version = in.u16("the version");
      if (version != FORMAT_VERSION && version != VERSION_WITH_PREPROCESSING) {
        throw new ArtifactFormatException(Reason.UNSUPPORTED_VERSION, what + ": manifest version "
            + version + "; this build reads versions " + FORMAT_VERSION + " and "
            + VERSION_WITH_PREPROCESSING);
      }
      byte[] name = in.bytes(in.u16("the name length"), "the name");
      Shape shape = new Shape(in.u32("the input shape"), in.u32("the input shape"),
          in.u32("the input shape"));
      int l = in.u8("the format");
      int f = in.u8("the format");
      int act = in.u8("the activation bound");
      int count = in.u16("the layer count");
      if (count < 1 || count > Model.MAX_LAYERS) {
        throw malformed(what, "layer count " + count + " is out of range");
      }
      List<Layer> layers = LayerCodec.read(in, LayerCodec.Layout.MANIFEST, count);
      byte[] salt = in.bytes(SALT_BYTES, "the salt");
      byte[] owner = in.bytes(SigningPublicKey.BYTES, "the owner key");
      byte[] licensee = in.bytes(SigningPublicKey.BYTES, "the licensee key");
      Model skeleton = Model.of(new String(name, StandardCharsets.UTF_8), shape, layers,
          FixedPointFormat.of(l, f), act);
      List<TensorInfo> expected = tensorsOf(skeleton);
      int tensors = in.u32("the tensor count");
      if (tensors != expected.size()) {
        throw malformed(what, "lists " + tensors + " tensors, its architecture has "
            + expected.size());
      }
      for (TensorInfo t : expected) {
        int layer = in.u16("the tensor list");
        int bias = in.u8("the tensor list");
        int length = in.u32("the tensor list");
        if (layer != t.layer() || bias != (t.bias() ? 1 : 0) || length != t.length()) {
          throw malformed(what, "tensor list does not match its architecture at " + t.name());
        }
      }
      if (version == VERSION_WITH_PREPROCESSING) {
        if (in.u8("the preprocessing kind") != PREPROCESSING_AFFINE) {
          throw malformed(what, "unknown preprocessing kind");
        }
        int c = shape.channels();
        skeleton = skeleton.withPreprocessing(InputTransform.of(
            in.f64s(c, "the preprocessing scales"), in.f64s(c, "the preprocessing offsets")));
      }
      ArtifactManifest m = new ArtifactManifest(skeleton, salt, SigningPublicKey.decode(owner),
          SigningPublicKey.decode(licensee));
      if (in.remaining() != 0) {
        throw malformed(what, "manifest has trailing bytes");
      }
      if (!java.util.Arrays.equals(m.encoded, encoded)) {
        throw malformed(what, "manifest is not in canonical form");
      }
      return m;
    } catch (ArtifactFormatException e) {
      throw e;
    } catch (OmlException | IllegalArgumentException e) {
      // A model or key that fails validation: the message is about public structure only.
      throw malformed(what, "manifest describes an invalid model: " + e.getMessage());
    }
  }

  private static ArtifactFormatException malformed(String what, String detail) {
    return new ArtifactFormatException(Reason.MALFORMED, what + ": " + detail);
  }
}
