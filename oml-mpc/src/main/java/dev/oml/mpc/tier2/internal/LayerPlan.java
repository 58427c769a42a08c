package dev.oml.mpc.tier2.internal;

import dev.oml.core.model.Argmax;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.ReLU;
import dev.oml.core.omlize.ArtifactManifest;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.mpc.auth.AuthenticatedVector;
import dev.oml.mpc.auth.MacKeyVector;
import dev.oml.mpc.gc.FieldLayerSpec;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.UnsupportedLayerException;
import java.util.ArrayList;
import java.util.List;

/**
 * The linear layers of a tier-2 model as the query runs them. Every linear layer of the model
 * (Dense, Conv2D, AvgPool2D) is one step of the query over its {@code LinearForm} matrix, the
 * matrix the tier-2 OMLize shared and tagged (a convolution's im2col matrix, a pooling's matrix
 * of {@code round(2^f / k^2)}), followed by its own garbled circuit: the field reference
 * truncates after every linear layer, so two linear layers in a row (a convolution, then
 * pooling) cannot be fused without changing the result. A hidden layer's circuit applies ReLU
 * if the model has a ReLU between it and the next linear layer, else it only truncates; the last
 * one is followed by nothing or Argmax. A MaxPool2D between a linear layer and the next one is
 * fused into the first one's circuit: truncation, then the maximum of each window, then ReLU if
 * the model has one anywhere between the two linear layers (floor truncation and ReLU are
 * monotone, so this is the reference's value whatever the order of ReLU and pooling). Both sides
 * then feed the circuit the window values of {@code z} ({@link Linear#circuitInput}), and the
 * next linear layer takes the pooled values. Flatten changes no data and runs nowhere. Square and
 * Polynomial have no circuit here (HE mode only). Both sides build the plan from the same
 * manifest, so they agree on shapes and tensor positions without a message.
 */
public final class LayerPlan {
  /**
   * One linear layer: model position, kind ({@code dense}, {@code conv2d}, {@code avgpool2d}),
   * {@code rows x cols} of its matrix, tensor positions of that matrix and of the bias, whether
   * its circuit applies ReLU, and the max pooling fused into its circuit: {@code windows} lists,
   * window after window, the rows each pooled value takes the maximum of
   * ({@link MaxPool2D#windows}), or is null without pooling; {@code window} is the window size
   * (1 without pooling).
   */
  public record Linear(int modelLayer, String kind, int rows, int cols, int matrixTensor,
      int biasTensor, boolean relu, int[] windows, int window) {
    /** Values out of this layer's circuit: the pooled values, or {@code rows}. */
    public int outputs() {
      return windows == null ? rows : windows.length / window;
    }

    /** What the circuit takes from the layer's {@code z}: its window values, or {@code z}. */
    public long[] circuitInput(long[] z) {
      if (windows == null) {
        return z;
      }
      long[] out = new long[windows.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = z[windows[i]];
      }
      return out;
    }

    /** {@link #circuitInput(long[])} on U's authenticated {@code z}. */
    public AuthenticatedVector circuitInput(AuthenticatedVector z) {
      return windows == null ? z : z.select(windows);
    }

    /** {@link #circuitInput(long[])} on O's keys of {@code z}. */
    public MacKeyVector circuitInput(MacKeyVector z) {
      return windows == null ? z : z.select(windows);
    }
  }

  private final List<Linear> layers;

  private LayerPlan(List<Linear> layers) {
    this.layers = List.copyOf(layers);
  }

  /**
   * Plans {@code model} (its architecture; the weights are not read) over the manifest's tensors.
   *
   * @throws UnsupportedLayerException if the model has a layer kind without a tier-2 circuit
   *     (Square, Polynomial), a ReLU or MaxPool2D that follows no linear layer, a ReLU or
   *     MaxPool2D after the last linear layer, two MaxPool2D layers between the same two linear
   *     layers, or an Argmax that is not last
   */
  public static LayerPlan of(FieldQuantizedModel model, List<ArtifactManifest.TensorInfo> tensors) {
    List<Layer> ls = model.model().layers();
    List<Integer> linear = new ArrayList<>();
    boolean[] relu = new boolean[ls.size()];
    int[] pool = new int[ls.size()];
    java.util.Arrays.fill(pool, -1);
    for (int i = 0; i < ls.size(); i++) {
      Layer l = ls.get(i);
      if (l.isLinear()) {
        linear.add(i);
      } else if (l instanceof ReLU) {
        if (linear.isEmpty()) {
          throw new UnsupportedLayerException("layer " + i + ": ReLU must follow a linear layer"
              + " (Dense, Conv2D or AvgPool2D)");
        }
        // ReLU is idempotent and Flatten moves no data, so any ReLU up to the next linear
        // layer belongs to the circuit of the linear layer before it
        relu[linear.get(linear.size() - 1)] = true;
      } else if (l instanceof MaxPool2D) {
        if (linear.isEmpty()) {
          throw new UnsupportedLayerException("layer " + i + ": MaxPool2D must follow a linear"
              + " layer (Dense, Conv2D or AvgPool2D)");
        }
        int owner = linear.get(linear.size() - 1);
        if (pool[owner] >= 0) {
          throw new UnsupportedLayerException("layer " + i + ": a second MaxPool2D after layer "
              + owner + " without a linear layer between them; tier 2 fuses one pooling into"
              + " each linear layer's circuit");
        }
        pool[owner] = i;
      } else if (l instanceof Argmax) {
        if (i != ls.size() - 1) {
          throw new UnsupportedLayerException("layer " + i + ": Argmax must be last");
        }
      } else if (!(l instanceof Flatten)) {
        throw new UnsupportedLayerException("layer " + i + ": " + l.kind()
            + " has no tier-2 circuit (tier 2 runs dense, conv2d, avgpool2d, flatten, relu and"
            + " argmax; square and polynomial layers are for the HE mode)");
      }
    }
    if (linear.isEmpty()) {
      throw new UnsupportedLayerException("the model has no linear layer");
    }
    List<Linear> out = new ArrayList<>();
    for (int k = 0; k < linear.size(); k++) {
      int i = linear.get(k);
      int m = -1;
      int b = -1;
      for (int t = 0; t < tensors.size(); t++) {
        if (tensors.get(t).layer() == i) {
          if (tensors.get(t).bias()) {
            b = t;
          } else {
            m = t;
          }
        }
      }
      if (m < 0 || b < 0) {
        throw new UnsupportedLayerException("layer " + i + ": a " + ls.get(i).kind()
            + " layer without its tensors");
      }
      if (k == linear.size() - 1 && (relu[i] || pool[i] >= 0)) {
        throw new UnsupportedLayerException("layer " + i + ": the last linear layer must be"
            + " followed by nothing or Argmax, not " + (relu[i] ? "ReLU" : "MaxPool2D"));
      }
      int[] windows = null;
      int window = 1;
      if (pool[i] >= 0) {
        MaxPool2D mp = (MaxPool2D) ls.get(pool[i]);
        windows = mp.windows(model.model().inputShapeOf(pool[i]));
        window = mp.window();
      }
      Linear l = new Linear(i, ls.get(i).kind(), model.rows(i), model.cols(i), m, b, relu[i],
          windows, window);
      if (k > 0 && l.cols() != out.get(k - 1).outputs()) {
        throw new UnsupportedLayerException("layer " + i + ": shapes do not chain");
      }
      out.add(l);
    }
    return new LayerPlan(out);
  }

  public List<Linear> layers() {
    return layers;
  }

  public int size() {
    return layers.size();
  }

  public Linear get(int i) {
    return layers.get(i);
  }

  /**
   * The circuit of layer {@code i} as both parties garble or evaluate it: hidden layers re-share
   * after truncation (and ReLU if the model has one there), the last one reveals the label or
   * the logits as {@code policy} says.
   */
  public FieldLayerSpec spec(int i, OutputPolicy policy, int f) {
    FieldLayerSpec.Kind kind = i < size() - 1
        ? get(i).relu() ? FieldLayerSpec.Kind.HIDDEN : FieldLayerSpec.Kind.TRUNCATE
        : policy == OutputPolicy.LABEL ? FieldLayerSpec.Kind.LABEL : FieldLayerSpec.Kind.LOGITS;
    return new FieldLayerSpec(kind, get(i).outputs(), f, get(i).window());
  }
}
