package dev.oml.he.inference.internal;

import dev.oml.core.model.Argmax;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.LinearForm;
import dev.oml.core.model.Model;
import dev.oml.core.model.Polynomial;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.Evaluator;
import dev.oml.he.GaloisKeys;
import dev.oml.he.RelinKeys;
import dev.oml.he.inference.UnsupportedModelException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A model lowered to the steps the owner runs on a ciphertext: linear steps (dense,
 * convolution and pooling, all as {@link LinearForm} matrices) and polynomial activations, with
 * the level each step starts at. Built once per model and layout; evaluation is thread-safe
 * (plaintext caches are concurrent).
 */
public final class HeProgram {
  final List<Object> steps;
  final int depth;
  final int inputSize;
  final int outputSize;
  final int features;
  final boolean needsRelin;
  final boolean realProjection;
  /** Primes each multiplicative step drops (1, or 2 for a two-prime plan). */
  final int primesPerLevel;

  private HeProgram(List<Object> steps, int depth, int inputSize, int outputSize, int features,
      boolean needsRelin, int primesPerLevel) {
    this.primesPerLevel = primesPerLevel;
    this.realProjection = !steps.isEmpty() && steps.get(0) instanceof LinearStep;
    this.steps = steps;
    this.depth = depth;
    this.inputSize = inputSize;
    this.outputSize = outputSize;
    this.features = features;
    this.needsRelin = needsRelin;
  }

  /** The power of two that holds the widest vector the model computes on. */
  public static int featuresFor(Model model) {
    int w = model.inputShape().size();
    Shape s = model.inputShape();
    for (Layer l : model.layers()) {
      s = l.outputShape(s);
      w = Math.max(w, s.size());
    }
    return Integer.highestOneBit(Math.max(1, w - 1)) << (w > 1 ? 1 : 0);
  }

  /** Number of levels the model consumes (linear layers one each, activations their depth). */
  public static int depthOf(Model model) {
    int d = 0;
    for (Layer l : model.layers()) {
      if (l.isLinear()) {
        d++;
      } else if (l instanceof Square) {
        d++;
      } else if (l instanceof Polynomial p) {
        d += isSquare(p.coefficients()) ? 1 : ActivationStep.levelsFor(p.degree());
      }
    }
    return d;
  }

  private static boolean isSquare(double[] c) {
    return c.length == 3 && c[0] == 0.0 && c[1] == 0.0 && c[2] == 1.0;
  }

  /**
   * Checks that every layer has an HE rule and that nothing but an argmax follows the last
   * linear layer (its diagonals carry the output mask).
   */
  public static void checkSupported(Model model) {
    int lastLinear = -1;
    for (int i = 0; i < model.layers().size(); i++) {
      Layer l = model.layers().get(i);
      if (l.isLinear()) {
        lastLinear = i;
      } else if (!(l instanceof Square || l instanceof Polynomial || l instanceof Flatten
          || l instanceof Argmax)) {
        throw new UnsupportedModelException("layer " + i + " (" + l.kind() + ") of model '"
            + model.name() + "' has no homomorphic evaluation: the HE mode runs dense, conv2d, "
            + "avgpool2d, square and polynomial layers; use the two-party mode for " + l.kind());
      }
    }
    if (lastLinear < 0) {
      throw new UnsupportedModelException("model '" + model.name() + "' has no linear layer");
    }
    for (int i = lastLinear + 1; i < model.layers().size(); i++) {
      Layer l = model.layers().get(i);
      if (!(l instanceof Argmax || l instanceof Flatten)) {
        throw new UnsupportedModelException("layer " + i + " (" + l.kind() + ") follows the last "
            + "linear layer: the HE mode folds the output mask into the last linear layer, so "
            + "the model must end with it (an argmax is applied by the user)");
      }
    }
  }

  /** Lowers {@code model}; {@code topLevel} is the level fresh input ciphertexts have. */
  public static HeProgram compile(Model model, int features, int topLevel, boolean hoisted) {
    return compile(model, features, topLevel, hoisted, 1);
  }

  /**
   * Lowers {@code model} for a chain whose levels are {@code primesPerLevel} primes each: every
   * multiplicative step multiplies by plaintexts at the scale of the primes it drops and then
   * rescales by each of them ({@link #rescale}), so its scale bookkeeping is that of a one-prime
   * chain whose primes are the products. Levels (of ciphertexts, plans, the serializer) still
   * count primes.
   */
  public static HeProgram compile(Model model, int features, int topLevel, boolean hoisted,
      int primesPerLevel) {
    if (primesPerLevel < 1 || primesPerLevel > 2) {
      throw new IllegalArgumentException("one or two primes per level");
    }
    int k = primesPerLevel;
    checkSupported(model);
    List<Object> steps = new ArrayList<>();
    Shape s = model.inputShape();
    int period = features;
    int level = topLevel;
    int lastLinear = -1;
    for (int i = 0; i < model.layers().size(); i++) {
      if (model.layers().get(i).isLinear()) {
        lastLinear = i;
      }
    }
    boolean first = true;
    boolean relin = false;
    for (int i = 0; i < model.layers().size(); i++) {
      Layer l = model.layers().get(i);
      if (l.isLinear()) {
        LinearForm lf = LinearForm.of(l, s);
        // The first step, if linear, reads x + conj(x) = 2 Re(x): half its weights.
        LinearStep st = new LinearStep(lf.rows(), lf.cols(), lf.matrix(), lf.bias(), period,
            features, first, i == lastLinear, level, first && steps.isEmpty() ? 0.5 : 1.0,
            hoisted, k);
        steps.add(st);
        period = st.outPeriod();
        first = false;
        level -= k;
      } else if (l instanceof Square) {
        steps.add(new ActivationStep(new double[] {0, 0, 1}, k));
        relin = true;
        level -= k;
      } else if (l instanceof Polynomial p) {
        ActivationStep a = new ActivationStep(p.coefficients(), k);
        steps.add(a);
        relin |= p.degree() > 1;
        level -= a.depth * k;
      }
      s = l.outputShape(s);
    }
    return new HeProgram(steps, topLevel - level, model.inputShape().size(),
        model.logitShape().size(), features, relin, k);
  }

  /** Rotation steps in slots for a layout with {@code lanes} lanes. */
  public int[] rotationSteps(int lanes) {
    TreeSet<Integer> r = new TreeSet<>();
    for (Object o : steps) {
      if (o instanceof LinearStep st) {
        for (int f : st.featureRotations()) {
          r.add(f * lanes);
        }
      }
    }
    return r.stream().mapToInt(Integer::intValue).toArray();
  }

  public boolean needsRelin() {
    return needsRelin;
  }

  /**
   * True when the evaluation starts by replacing the input with {@code x + conj(x)}, so that
   * whatever a user put in the imaginary parts of its slots never reaches the weights (the
   * first step must be linear, to absorb the factor 2).
   */
  public boolean realProjection() {
    return realProjection;
  }

  public int depth() {
    return depth;
  }

  public int outputSize() {
    return outputSize;
  }

  public int inputSize() {
    return inputSize;
  }

  /** Total rotations per ciphertext (for figures). */
  public int rotationCount() {
    int n = 0;
    for (Object o : steps) {
      if (o instanceof LinearStep st) {
        n += st.rotationCount();
      }
    }
    return n;
  }

  /** Runs every step on one input ciphertext of which lanes {@code >= lanes} are not images. */
  public Ciphertext evaluate(Ciphertext x, int lanes, Layout lay, CkksEncoder enc, Evaluator ev,
      RelinKeys rk, GaloisKeys gk, long[] primes) {
    return evaluate(x, lanes, lay, enc, ev, rk, gk, primes, null);
  }

  /**
   * {@link #evaluate}, with a second thread from {@code executor} (if not null) inside each
   * linear step, for the latency of one ciphertext; the answer is the same.
   */
  public Ciphertext evaluate(Ciphertext x, int lanes, Layout lay, CkksEncoder enc, Evaluator ev,
      RelinKeys rk, GaloisKeys gk, long[] primes, java.util.concurrent.Executor executor) {
    Ciphertext c = realProjection ? ev.add(x, ev.conjugate(x, gk)) : x;
    for (Object o : steps) {
      if (o instanceof LinearStep st) {
        c = st.apply(c, lay, enc, ev, gk, dropScale(primes, c.level(), primesPerLevel), lanes,
            executor);
      } else {
        c = ((ActivationStep) o).apply(c, enc, ev, rk, primes, lay.slots());
      }
    }
    return c;
  }

  /** Primes each multiplicative step drops. */
  public int primesPerLevel() {
    return primesPerLevel;
  }

  /**
   * The product of the {@code k} primes a step starting at {@code level} drops, as the scale
   * its plaintexts are encoded at so that the rescale restores the ciphertext's scale.
   */
  static double dropScale(long[] primes, int level, int k) {
    double s = 1.0;
    for (int i = 0; i < k; i++) {
      s *= primes[level - i];
    }
    return s;
  }

  /**
   * Divides by the level's {@code k} primes: {@code k} exact rescales (each a rounded division
   * by one prime in RNS), so the result is {@code round(x / (q_a q_b))} up to {@code 1 / (2 q_a)}
   * more rounding, and the scale is divided by each prime in turn, the same doubles on both
   * backends.
   */
  static Ciphertext rescale(Evaluator ev, Ciphertext c, int k) {
    Ciphertext r = c;
    for (int i = 0; i < k; i++) {
      r = ev.rescale(r);
    }
    return r;
  }

  /**
   * Runs every step in the batch packing: {@code xs[f]} holds feature {@code f} of image
   * {@code b} in slot {@code b}, and only slots {@code < images} are images. A hidden dense
   * layer is, per output neuron, a sum of ciphertext-times-constant products (constants at the
   * scale of the prime the layer drops, so the scale is kept exactly), rescaled, plus the bias;
   * the first layer's products are followed by {@code u + conj(u)} (its weights are halved), so
   * that only real parts of the inputs reach the network. Activations are slot-wise. The last
   * layer multiplies by plaintexts {@code w * mask} (mask: slots {@code < images}) and adds
   * {@code bias * mask}, so every other slot of the answer is zero at no level. Output neurons
   * and activations are split across {@code executor} when one is given.
   *
   * @return one ciphertext per logit
   */
  public Ciphertext[] evaluateBatch(Ciphertext[] xs, int images, int slots, CkksEncoder enc,
      Evaluator ev, RelinKeys rk, GaloisKeys gk, long[] primes,
      java.util.concurrent.ExecutorService executor) {
    return evaluateBatch(xs, images, slots, enc, ev, rk, gk, primes, executor, true);
  }

  /**
   * {@link #evaluateBatch}, with the projection on real parts switched off when {@code project}
   * is false: only for the attack test that shows what the projection prevents.
   */
  public Ciphertext[] evaluateBatch(Ciphertext[] xs, int images, int slots, CkksEncoder enc,
      Evaluator ev, RelinKeys rk, GaloisKeys gk, long[] primes,
      java.util.concurrent.ExecutorService executor, boolean project) {
    if (primesPerLevel != 1) {
      throw new IllegalStateException("the batch packing runs on one-prime levels only");
    }
    List<Ciphertext> c = List.of(xs);
    for (Object o : steps) {
      if (o instanceof LinearStep st) {
        boolean p = project && st.first && realProjection;
        c = st.last ? lastBatch(st, c, images, slots, enc, ev, gk, primes, executor, p)
            : denseBatch(st, c, slots, enc, ev, gk, primes, executor, p);
      } else {
        ActivationStep a = (ActivationStep) o;
        List<Ciphertext> in = c;
        c = parallel(in.size(), 8, (from, to) -> {
          List<Ciphertext> r = new ArrayList<>();
          for (int j = from; j < to; j++) {
            r.add(a.apply(in.get(j), enc, ev, rk, primes, slots));
          }
          return r;
        }, executor);
      }
    }
    return c.toArray(new Ciphertext[0]);
  }

  private List<Ciphertext> denseBatch(LinearStep st, List<Ciphertext> x, int slots,
      CkksEncoder enc, Evaluator ev, GaloisKeys gk, long[] primes,
      java.util.concurrent.ExecutorService executor, boolean project) {
    if (x.size() != st.cols) {
      throw new IllegalStateException(x.size() + " ciphertexts into a layer of " + st.cols);
    }
    double q = primes[x.get(0).level()];
    return parallel(st.rows, 16, (from, to) -> {
      double[][] w = new double[to - from][st.cols];
      for (int j = from; j < to; j++) {
        for (int i = 0; i < st.cols; i++) {
          w[j - from][i] = st.a[j * st.cols + i] * st.inputFactor;
        }
      }
      List<Ciphertext> r = new ArrayList<>();
      for (Ciphertext u : ev.multiplyConstantSums(x, w, q)) {
        u = ev.rescale(u);
        if (project) {
          u = ev.add(u, ev.conjugate(u, gk));
        }
        r.add(u);
      }
      for (int j = from; j < to; j++) {
        Ciphertext u = r.get(j - from);
        double[] b = new double[slots];
        java.util.Arrays.fill(b, st.bias[j]);
        r.set(j - from, ev.addPlain(u, enc.encode(b, new double[0], u.scale(), u.level())));
      }
      return r;
    }, executor);
  }

  private List<Ciphertext> lastBatch(LinearStep st, List<Ciphertext> x, int images, int slots,
      CkksEncoder enc, Evaluator ev, GaloisKeys gk, long[] primes,
      java.util.concurrent.ExecutorService executor, boolean project) {
    if (x.size() != st.cols) {
      throw new IllegalStateException(x.size() + " ciphertexts into a layer of " + st.cols);
    }
    int level = x.get(0).level();
    double q = primes[level];
    return parallel(st.rows, 1, (from, to) -> {
      List<Ciphertext> r = new ArrayList<>();
      double[] v = new double[slots];
      for (int j = from; j < to; j++) {
        List<Ciphertext> terms = new ArrayList<>();
        List<dev.oml.he.Plaintext> ps = new ArrayList<>();
        for (int i = 0; i < st.cols; i++) {
          double w = st.a[j * st.cols + i] * st.inputFactor;
          if (w == 0.0) {
            continue;
          }
          java.util.Arrays.fill(v, 0, images, w);
          terms.add(x.get(i));
          ps.add(enc.encode(v, new double[0], q, level));
        }
        Ciphertext u;
        if (terms.isEmpty()) {
          u = ev.multiplyPlain(x.get(0), enc.encode(new double[slots], new double[0], q, level));
        } else {
          u = ev.multiplyPlainSum(terms, ps);
        }
        u = ev.rescale(u);
        if (project) {
          u = ev.add(u, ev.conjugate(u, gk));
        }
        double[] b = new double[slots];
        java.util.Arrays.fill(b, 0, images, st.bias[j]);
        r.add(ev.addPlain(u, enc.encode(b, new double[0], u.scale(), u.level())));
      }
      return r;
    }, executor);
  }

  /** A piece of work over the indices {@code [from, to)}. */
  private interface Chunk {
    List<Ciphertext> run(int from, int to);
  }

  /** Runs {@code work} over {@code [0, count)} in chunks of {@code size}, on the executor. */
  private static List<Ciphertext> parallel(int count, int size, Chunk work,
      java.util.concurrent.ExecutorService executor) {
    if (executor == null || count <= size) {
      return work.run(0, count);
    }
    List<java.util.concurrent.Callable<List<Ciphertext>>> jobs = new ArrayList<>();
    for (int from = 0; from < count; from += size) {
      int f = from;
      int t = Math.min(count, from + size);
      jobs.add(() -> work.run(f, t));
    }
    List<Ciphertext> out = new ArrayList<>(count);
    try {
      for (java.util.concurrent.Future<List<Ciphertext>> f : executor.invokeAll(jobs)) {
        out.addAll(f.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while evaluating", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
    return out;
  }

  /** Linear steps and activations, for the noise estimate. */
  List<Object> steps() {
    return steps;
  }
}
