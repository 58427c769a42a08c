package dev.oml.mpc.tier2.internal;

import dev.oml.core.model.Argmax;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.ReLU;
import dev.oml.core.omlize.ArtifactManifest;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.mpc.gc.FieldLayerSpec;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.UnsupportedLayerException;
import java.util.ArrayList;
import java.util.List;

/**
 * The linear layers of a tier-2 model as the query runs them: a Dense+ReLU MLP, each Dense but
 * the last followed by ReLU (its circuit truncates, applies ReLU and re-shares), the last one
 * followed by nothing or Argmax. Both sides build it from the same manifest, so they agree on
 * shapes and tensor positions without a message.
 */
public final class LayerPlan {
  /** One Dense layer: model position, {@code rows x cols}, tensor positions of W and b. */
  public record Linear(int modelLayer, int rows, int cols, int matrixTensor, int biasTensor) {}

  private final List<Linear> layers;

  private LayerPlan(List<Linear> layers) {
    this.layers = List.copyOf(layers);
  }

  /**
   * Plans {@code model} (its architecture; the weights are not read) over the manifest's tensors.
   *
   * @throws UnsupportedLayerException if the model is not a Dense+ReLU MLP
   */
  public static LayerPlan of(FieldQuantizedModel model, List<ArtifactManifest.TensorInfo> tensors) {
    List<Layer> ls = model.model().layers();
    List<Linear> out = new ArrayList<>();
    for (int i = 0; i < ls.size(); i++) {
      Layer l = ls.get(i);
      if (l instanceof Dense) {
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
          throw new UnsupportedLayerException("layer " + i + ": a Dense layer without its tensors");
        }
        out.add(new Linear(i, model.rows(i), model.cols(i), m, b));
      } else if (l instanceof ReLU) {
        if (out.isEmpty() || out.get(out.size() - 1).modelLayer() != i - 1) {
          throw new UnsupportedLayerException("layer " + i + ": ReLU must follow a Dense layer");
        }
      } else if (l instanceof Argmax) {
        if (i != ls.size() - 1) {
          throw new UnsupportedLayerException("layer " + i + ": Argmax must be last");
        }
      } else if (!(l instanceof Flatten && out.isEmpty())) {
        throw new UnsupportedLayerException("layer " + i + ": " + l.kind()
            + " has no tier-2 circuit yet (Dense+ReLU MLPs only)");
      }
    }
    if (out.isEmpty()) {
      throw new UnsupportedLayerException("the model has no Dense layer");
    }
    for (int k = 0; k < out.size(); k++) {
      int next = out.get(k).modelLayer() + 1;
      boolean relu = next < ls.size() && ls.get(next) instanceof ReLU;
      if (relu != (k < out.size() - 1)) {
        throw new UnsupportedLayerException("layer " + out.get(k).modelLayer() + ": every Dense"
            + " layer but the last must be followed by ReLU, the last by nothing or Argmax");
      }
      if (k > 0 && out.get(k).cols() != out.get(k - 1).rows()) {
        throw new UnsupportedLayerException("layer " + out.get(k).modelLayer()
            + ": shapes do not chain");
      }
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
   * after ReLU, the last one reveals the label or the logits as {@code policy} says.
   */
  public FieldLayerSpec spec(int i, OutputPolicy policy, int f) {
    FieldLayerSpec.Kind kind = i < size() - 1 ? FieldLayerSpec.Kind.HIDDEN
        : policy == OutputPolicy.LABEL ? FieldLayerSpec.Kind.LABEL : FieldLayerSpec.Kind.LOGITS;
    return new FieldLayerSpec(kind, get(i).rows(), f);
  }

}
