package dev.oml.core.train;

import dev.oml.core.data.Dataset;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Layer;
import dev.oml.core.model.Model;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * A small deterministic trainer for multilayer perceptrons (dense layers with ReLU or square
 * activations, softmax cross-entropy, Adam), used to produce the example models shipped in
 * {@code models/}. Same data, configuration and seed give the same model bit for bit: all
 * randomness comes from one {@link SplittableRandom} and EJML's dense row-major operations are
 * single-threaded.
 *
 * <p>After training it measures the activation bound on the training data and picks the
 * narrowest fixed-point ring that holds the model (see {@link Model#requiredRingBits(int)}).
 *
 * <p>It can also continue from a trained model ({@link #MlpTrainer(Config, Model)}): the
 * owner's fine-tuning of a per-licensee copy (fingerprints, {@code dev.oml.core.fingerprint})
 * and the attacks measured against it start from weights that exist already.
 */
public final class MlpTrainer {
  /** Hidden-layer activation. */
  public enum Activation {
    RELU,
    SQUARE
  }

  /**
   * Training configuration.
   *
   * @param sizes layer widths, input first ({@code 784, 128, 128, 10})
   * @param clipNorm gradient-norm clip (0 for none); keeps square activations from diverging
   */
  public record Config(String name, int[] sizes, Activation activation, int epochs, int batch,
      double learningRate, double clipNorm, long seed, int fractionalBits) {
    public Config {
      if (sizes.length < 2 || epochs < 1 || batch < 1 || learningRate <= 0) {
        throw new IllegalArgumentException("invalid training configuration");
      }
      sizes = sizes.clone();
    }
  }

  private final Config config;
  private final DMatrixRMaj[] w;
  private final DMatrixRMaj[] b;
  private final DMatrixRMaj[] mw;
  private final DMatrixRMaj[] vw;
  private final DMatrixRMaj[] mb;
  private final DMatrixRMaj[] vb;
  private long step;

  public MlpTrainer(Config config) {
    this(config, null);
  }

  /**
   * A trainer that starts from {@code start}'s weights instead of a random initialisation (with
   * fresh Adam moments). {@code start} must be the kind of model this trainer makes: dense
   * layers of {@code config.sizes()}, each but the last followed by {@code config.activation()},
   * optionally ending with {@link Argmax}.
   *
   * @throws IllegalArgumentException if {@code start} is not such a model
   */
  public MlpTrainer(Config config, Model start) {
    this.config = config;
    int n = config.sizes().length - 1;
    w = new DMatrixRMaj[n];
    b = new DMatrixRMaj[n];
    mw = new DMatrixRMaj[n];
    vw = new DMatrixRMaj[n];
    mb = new DMatrixRMaj[n];
    vb = new DMatrixRMaj[n];
    SplittableRandom rnd = new SplittableRandom(config.seed());
    for (int k = 0; k < n; k++) {
      int in = config.sizes()[k];
      int out = config.sizes()[k + 1];
      // He initialisation for ReLU; a smaller spread for squares, whose outputs grow quadratically.
      double std = config.activation() == Activation.RELU ? Math.sqrt(2.0 / in) : Math.sqrt(0.5 / in);
      w[k] = new DMatrixRMaj(out, in);
      for (int i = 0; i < w[k].data.length; i++) {
        w[k].data[i] = gaussian(rnd) * std;
      }
      b[k] = new DMatrixRMaj(1, out);
      mw[k] = new DMatrixRMaj(out, in);
      vw[k] = new DMatrixRMaj(out, in);
      mb[k] = new DMatrixRMaj(1, out);
      vb[k] = new DMatrixRMaj(1, out);
    }
    if (start != null) {
      List<Dense> dense = denseLayers(start, config);
      for (int k = 0; k < n; k++) {
        w[k] = new DMatrixRMaj(w[k].numRows, w[k].numCols, true, dense.get(k).weights());
        b[k] = new DMatrixRMaj(1, b[k].numCols, true, dense.get(k).bias());
      }
    }
  }

  /** The dense layers of {@code m}, checked against the architecture {@code config} trains. */
  private static List<Dense> denseLayers(Model m, Config config) {
    List<Dense> dense = new ArrayList<>();
    List<Layer> layers = m.layers();
    int n = config.sizes().length - 1;
    for (int i = 0; i < layers.size(); i++) {
      Layer l = layers.get(i);
      boolean expectDense = i % 2 == 0 && dense.size() < n;
      if (expectDense && l instanceof Dense d) {
        int k = dense.size();
        if (d.inputs() != config.sizes()[k] || d.outputs() != config.sizes()[k + 1]) {
          throw new IllegalArgumentException("layer " + i + " is dense " + d.inputs() + " -> "
              + d.outputs() + ", the configuration expects " + config.sizes()[k] + " -> "
              + config.sizes()[k + 1]);
        }
        dense.add(d);
      } else if (!expectDense && dense.size() < n && (config.activation() == Activation.RELU
          ? l instanceof ReLU : l instanceof Square)) {
        continue;
      } else if (!(l instanceof Argmax && i == layers.size() - 1 && dense.size() == n)) {
        throw new IllegalArgumentException("layer " + i + " (" + l.kind() + ") does not fit a "
            + config.activation() + " multilayer perceptron of widths "
            + java.util.Arrays.toString(config.sizes()));
      }
    }
    if (dense.size() != n) {
      throw new IllegalArgumentException("model has " + dense.size() + " dense layers, the "
          + "configuration " + n);
    }
    return dense;
  }

  /**
   * The training configuration that fits {@code m}'s architecture (dense layers with ReLU or
   * square activations), with the given schedule.
   *
   * @throws IllegalArgumentException if {@code m} is not a multilayer perceptron this trainer
   *     can continue from
   */
  public static Config configFor(Model m, int epochs, int batch, double learningRate, double clipNorm,
      long seed) {
    List<Integer> sizes = new ArrayList<>();
    Activation act = null;
    for (Layer l : m.layers()) {
      if (l instanceof Dense d) {
        if (sizes.isEmpty()) {
          sizes.add(d.inputs());
        }
        sizes.add(d.outputs());
      } else if (l instanceof ReLU || l instanceof Square) {
        Activation a = l instanceof ReLU ? Activation.RELU : Activation.SQUARE;
        if (act != null && act != a) {
          throw new IllegalArgumentException("model mixes ReLU and square activations");
        }
        act = a;
      }
    }
    if (sizes.size() < 2) {
      throw new IllegalArgumentException("model has no dense layer to train");
    }
    Config c = new Config(m.name(), sizes.stream().mapToInt(Integer::intValue).toArray(),
        act == null ? Activation.RELU : act, epochs, batch, learningRate, clipNorm, seed,
        m.format().fractionalBits());
    denseLayers(m, c);
    return c;
  }

  private static double gaussian(SplittableRandom rnd) {
    double u1 = rnd.nextDouble();
    double u2 = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * Trains on {@code data} and returns the model, ending with {@link Argmax}.
   *
   * @param progress called with the number of the epoch just finished
   */
  public Model train(Dataset data, IntConsumer progress) {
    int nData = data.size();
    int in = config.sizes()[0];
    if (data.shape().size() != in) {
      throw new IllegalArgumentException("data has " + data.shape().size() + " inputs, model " + in);
    }
    SplittableRandom rnd = new SplittableRandom(config.seed() ^ 0x5DEECE66DL);
    int[] order = new int[nData];
    for (int i = 0; i < nData; i++) {
      order[i] = i;
    }
    int layers = w.length;
    DMatrixRMaj[] z = new DMatrixRMaj[layers];
    DMatrixRMaj[] a = new DMatrixRMaj[layers + 1];
    DMatrixRMaj[] gw = new DMatrixRMaj[layers];
    DMatrixRMaj[] gb = new DMatrixRMaj[layers];
    for (int k = 0; k < layers; k++) {
      gw[k] = new DMatrixRMaj(w[k].numRows, w[k].numCols);
      gb[k] = new DMatrixRMaj(1, w[k].numRows);
    }
    for (int epoch = 1; epoch <= config.epochs(); epoch++) {
      for (int i = nData - 1; i > 0; i--) {
        int j = rnd.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int start = 0; start + config.batch() <= nData; start += config.batch()) {
        int bs = config.batch();
        DMatrixRMaj x = new DMatrixRMaj(bs, in);
        int[] y = new int[bs];
        for (int r = 0; r < bs; r++) {
          System.arraycopy(data.image(order[start + r]), 0, x.data, r * in, in);
          y[r] = data.label(order[start + r]);
        }
        forward(x, z, a);
        // softmax cross-entropy gradient
        DMatrixRMaj d = softmax(a[layers]);
        for (int r = 0; r < bs; r++) {
          d.data[r * d.numCols + y[r]] -= 1;
        }
        CommonOps_DDRM.scale(1.0 / bs, d);
        for (int k = layers - 1; k >= 0; k--) {
          CommonOps_DDRM.multTransA(d, a[k], gw[k]);
          CommonOps_DDRM.sumCols(d, gb[k]);
          if (k > 0) {
            DMatrixRMaj prev = new DMatrixRMaj(bs, w[k].numCols);
            CommonOps_DDRM.mult(d, w[k], prev);
            double[] zp = z[k - 1].data;
            for (int i = 0; i < prev.data.length; i++) {
              prev.data[i] *= config.activation() == Activation.RELU ? (zp[i] > 0 ? 1 : 0) : 2 * zp[i];
            }
            d = prev;
          }
        }
        adam(gw, gb);
      }
      progress.accept(epoch);
    }
    return toModel(data);
  }

  private void forward(DMatrixRMaj x, DMatrixRMaj[] z, DMatrixRMaj[] a) {
    a[0] = x;
    for (int k = 0; k < w.length; k++) {
      DMatrixRMaj zk = new DMatrixRMaj(x.numRows, w[k].numRows);
      CommonOps_DDRM.multTransB(a[k], w[k], zk);
      for (int r = 0; r < zk.numRows; r++) {
        for (int c = 0; c < zk.numCols; c++) {
          zk.data[r * zk.numCols + c] += b[k].data[c];
        }
      }
      z[k] = zk;
      if (k == w.length - 1) {
        a[k + 1] = zk;
      } else {
        DMatrixRMaj ak = zk.copy();
        for (int i = 0; i < ak.data.length; i++) {
          double v = ak.data[i];
          ak.data[i] = config.activation() == Activation.RELU ? Math.max(0, v) : v * v;
        }
        a[k + 1] = ak;
      }
    }
  }

  private static DMatrixRMaj softmax(DMatrixRMaj logits) {
    DMatrixRMaj p = logits.copy();
    for (int r = 0; r < p.numRows; r++) {
      int off = r * p.numCols;
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < p.numCols; c++) {
        max = Math.max(max, p.data[off + c]);
      }
      double sum = 0;
      for (int c = 0; c < p.numCols; c++) {
        p.data[off + c] = Math.exp(p.data[off + c] - max);
        sum += p.data[off + c];
      }
      for (int c = 0; c < p.numCols; c++) {
        p.data[off + c] /= sum;
      }
    }
    return p;
  }

  private void adam(DMatrixRMaj[] gw, DMatrixRMaj[] gb) {
    step++;
    double scale = 1;
    if (config.clipNorm() > 0) {
      double norm = 0;
      for (int k = 0; k < gw.length; k++) {
        norm += CommonOps_DDRM.elementSum(elementSquare(gw[k])) + CommonOps_DDRM.elementSum(elementSquare(gb[k]));
      }
      norm = Math.sqrt(norm);
      if (norm > config.clipNorm()) {
        scale = config.clipNorm() / norm;
      }
    }
    double b1 = 0.9;
    double b2 = 0.999;
    double lr = config.learningRate() * Math.sqrt(1 - Math.pow(b2, step)) / (1 - Math.pow(b1, step));
    for (int k = 0; k < gw.length; k++) {
      update(w[k].data, gw[k].data, mw[k].data, vw[k].data, scale, lr);
      update(b[k].data, gb[k].data, mb[k].data, vb[k].data, scale, lr);
    }
  }

  private static DMatrixRMaj elementSquare(DMatrixRMaj m) {
    DMatrixRMaj s = new DMatrixRMaj(m.numRows, m.numCols);
    CommonOps_DDRM.elementMult(m, m, s);
    return s;
  }

  private static void update(double[] p, double[] g, double[] m, double[] v, double scale, double lr) {
    for (int i = 0; i < p.length; i++) {
      double gi = g[i] * scale;
      m[i] = 0.9 * m[i] + 0.1 * gi;
      v[i] = 0.999 * v[i] + 0.001 * gi * gi;
      p[i] -= lr * m[i] / (Math.sqrt(v[i]) + 1e-8);
    }
  }

  private Model toModel(Dataset data) {
    List<Layer> layers = new ArrayList<>();
    for (int k = 0; k < w.length; k++) {
      layers.add(new Dense(w[k].numCols, w[k].numRows, w[k].data, b[k].data));
      if (k < w.length - 1) {
        layers.add(config.activation() == Activation.RELU ? new ReLU() : new Square());
      }
    }
    layers.add(new Argmax());
    int activationBits = measureActivationBits(data);
    Shape input = config.sizes()[0] == data.shape().size() ? data.shape() : Shape.vector(config.sizes()[0]);
    int f = config.fractionalBits();
    Model probe = Model.of(config.name(), input, layers, FixedPointFormat.of(60, f), activationBits);
    int l = probe.requiredRingBits(f);
    return probe.withFormat(FixedPointFormat.of(l, f));
  }

  /**
   * The smallest {@code a} with every pre- and post-activation value on the training data below
   * {@code 2^(a-1)}: one bit of headroom over what was seen, for inputs a little outside it.
   */
  private int measureActivationBits(Dataset data) {
    double max = 1;
    int n = Math.min(data.size(), 20_000);
    int in = config.sizes()[0];
    DMatrixRMaj[] z = new DMatrixRMaj[w.length];
    DMatrixRMaj[] a = new DMatrixRMaj[w.length + 1];
    for (int start = 0; start < n; start += 500) {
      int bs = Math.min(500, n - start);
      DMatrixRMaj x = new DMatrixRMaj(bs, in);
      for (int r = 0; r < bs; r++) {
        System.arraycopy(data.image(start + r), 0, x.data, r * in, in);
      }
      forward(x, z, a);
      for (int k = 0; k < w.length; k++) {
        max = Math.max(max, CommonOps_DDRM.elementMaxAbs(z[k]));
        max = Math.max(max, CommonOps_DDRM.elementMaxAbs(a[k + 1]));
      }
    }
    return Math.getExponent(max) + 2;
  }
}
