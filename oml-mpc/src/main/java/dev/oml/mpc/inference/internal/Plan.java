package dev.oml.mpc.inference.internal;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.mpc.inference.UnsupportedLayerException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * A model cut into two-party stages: each stage is one linear layer {@code z = W h + b} followed
 * by exact truncation and, if the model says so, ReLU. Every stage but the last ends in a garbled
 * re-sharing circuit; the last one ends in the output (logits or label). Built from public
 * architecture only, so both parties derive the same plan; {@link #digest()} lets them check it.
 */
public final class Plan {
  /** One linear layer and what follows it. */
  public record Stage(int layer, int rows, int cols, boolean relu) {}

  private final FixedPointFormat format;
  private final List<Stage> stages;
  private final boolean endsWithArgmax;
  private final byte[] digest;

  private Plan(FixedPointFormat format, List<Stage> stages, boolean endsWithArgmax) {
    this.format = format;
    this.stages = List.copyOf(stages);
    this.endsWithArgmax = endsWithArgmax;
    this.digest = computeDigest();
  }

  /**
   * The plan of {@code model}.
   *
   * @throws UnsupportedLayerException if a layer or layer order has no two-party protocol here
   */
  public static Plan of(Model model) {
    List<Layer> layers = model.layers();
    List<Stage> stages = new ArrayList<>();
    boolean argmax = false;
    for (int i = 0; i < layers.size(); i++) {
      Layer layer = layers.get(i);
      if (layer.isLinear()) {
        int rows = model.outputShapeOf(i).size();
        int cols = model.inputShapeOf(i).size();
        stages.add(new Stage(i, rows, cols, false));
      } else if (layer instanceof ReLU) {
        if (stages.isEmpty() || stages.get(stages.size() - 1).relu()
            || !followsLinear(layers, i)) {
          throw new UnsupportedLayerException("layer " + i + " (relu): the two-party mode runs"
              + " ReLU only directly after a linear layer (Flatten in between is fine)");
        }
        Stage s = stages.remove(stages.size() - 1);
        stages.add(new Stage(s.layer(), s.rows(), s.cols(), true));
      } else if (layer instanceof Flatten) {
        continue;
      } else if (layer instanceof Argmax) {
        argmax = true;
      } else if (layer instanceof MaxPool2D) {
        throw new UnsupportedLayerException("layer " + i + " (maxpool2d): the tier-1 two-party"
            + " mode has no max circuit; the served tier-2 protocol runs max pooling");
      } else {
        throw new UnsupportedLayerException("layer " + i + " (" + layer.kind() + "): the"
            + " two-party mode runs Dense, Conv2D, AvgPool2D, ReLU, Flatten and a final Argmax;"
            + " run this model in the HE mode or replace the activation by ReLU");
      }
    }
    if (stages.isEmpty()) {
      throw new UnsupportedLayerException("the model has no linear layer");
    }
    return new Plan(model.format(), stages, argmax);
  }

  private static boolean followsLinear(List<Layer> layers, int i) {
    for (int j = i - 1; j >= 0; j--) {
      if (layers.get(j) instanceof Flatten) {
        continue;
      }
      return layers.get(j).isLinear();
    }
    return false;
  }

  public FixedPointFormat format() {
    return format;
  }

  public List<Stage> stages() {
    return stages;
  }

  public int stageCount() {
    return stages.size();
  }

  public Stage stage(int i) {
    return stages.get(i);
  }

  public boolean isLast(int i) {
    return i == stages.size() - 1;
  }

  public boolean endsWithArgmax() {
    return endsWithArgmax;
  }

  /** Number of inputs of the first stage. */
  public int inputs() {
    return stages.get(0).cols();
  }

  /** Number of logits. */
  public int outputs() {
    return stages.get(stages.size() - 1).rows();
  }

  /** A SHA-256 of format and stage list: both parties must run the same plan. */
  public byte[] digest() {
    return digest.clone();
  }

  private byte[] computeDigest() {
    ByteBuffer b = ByteBuffer.allocate(16 + 16 * stages.size());
    b.putInt(format.ringBits()).putInt(format.fractionalBits()).putInt(stages.size())
        .putInt(endsWithArgmax ? 1 : 0);
    for (Stage s : stages) {
      b.putInt(s.layer()).putInt(s.rows()).putInt(s.cols()).putInt(s.relu() ? 1 : 0);
    }
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update("OML/2pc-plan/v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return md.digest(b.array());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
