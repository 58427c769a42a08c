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
   * linear step, for the latency of one ciphertext; the answer is the same. The image takes one
   * thread of the executor at a time ({@link OneAtATime}), whatever the executor's size.
   */
  public Ciphertext evaluate(Ciphertext x, int lanes, Layout lay, CkksEncoder enc, Evaluator ev,
      RelinKeys rk, GaloisKeys gk, long[] primes, java.util.concurrent.Executor pool) {
    return evaluate(x, lanes, lay, enc, ev, rk, gk, primes, pool, null);
  }

  /**
   * {@link #evaluate}, and {@code beside} (if not null, and only with a {@code pool}) run on the
   * image's second thread as the first activation starts. Whether {@code beside} ran is the
   * caller's to check.
   */
  public Ciphertext evaluate(Ciphertext x, int lanes, Layout lay, CkksEncoder enc, Evaluator ev,
      RelinKeys rk, GaloisKeys gk, long[] primes, java.util.concurrent.Executor pool,
      Runnable beside) {
    java.util.concurrent.Executor executor = pool == null ? null : new OneAtATime(pool);
    // The conjugation and the activations' products, relinearizations and rescales on two
    // threads where the backend splits them (the linear steps choose for themselves).
    Evaluator threaded = executor == null ? ev : ev.withKeySwitchThreads(2);
    Ciphertext c = realProjection ? ev.add(x, threaded.conjugate(x, gk)) : x;
    Runnable side = executor == null ? null : beside;
    for (Object o : steps) {
      if (o instanceof LinearStep st) {
        c = st.apply(c, lay, enc, ev, gk, dropScale(primes, c.level(), primesPerLevel), lanes,
            executor);
      } else {
        if (side != null) {
          try {
            executor.execute(side);
          } catch (java.util.concurrent.RejectedExecutionException e) {
            // no thread to spare
          }
          side = null;
        }
        c = ((ActivationStep) o).apply(c, enc, threaded, rk, primes, lay.slots());
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
   * Runs every step in the batch packing, two images per slot: {@code xs[f]} holds feature
   * {@code f} of image {@code b} in the real part of slot {@code b} and of image
   * {@code slots + b} in its imaginary part; only the first {@code images} of these
   * {@code 2 slots} images are permitted. With real weights a linear layer maps
   * {@code xA + i xB} to {@code F(xA) + i F(xB)} (its bias added as {@code b (1 + i)}); a hidden
   * dense layer is, per output neuron, a sum of ciphertext-times-constant products (constants at
   * the scale of the prime the layer drops, so the scale is kept exactly), rescaled, plus the
   * bias, with no rotation. Before every activation the owner separates the two images of a
   * slot with one conjugation, {@code 2a = u + conj(u)} and {@code 2b = i (conj(u) - u)}, applies
   * the activation to each, and recombines {@code f(a) + i f(b)} (a product by {@code i} is one
   * by the monomial {@code X^(N/2)}: exact, no level): so the evaluation is defined for any
   * complex input as {@code F(xA) + i F(xB)} with real {@code xA}, {@code xB}, never at complex
   * points. The factors of two the separation leaves are folded into the next layer's weights or
   * the polynomial's coefficients. The last layer keeps, in every slot, the real part where it is
   * a permitted image and the imaginary part where it is one, as
   * {@code y = z1 + conj(z2)} with {@code z1} and {@code z2} its sums weighted by the masks
   * {@code (mA + mB) / 2} and {@code (mA - mB) / 2} (a full query: {@code z1} alone; at most
   * {@code slots} images: {@code z1 = z2}), plus the bias {@code b (mA + i mB)}: everything
   * else in the answer is zero at no extra level. Uniform masks use the constant sums (no
   * encoding); others encode {@code w * mask} per input. Output neurons and activations are
   * split across {@code executor} when one is given.
   *
   * @return one ciphertext per logit
   */
  public Ciphertext[] evaluateBatch(Ciphertext[] xs, int images, int slots, CkksEncoder enc,
      Evaluator ev, RelinKeys rk, GaloisKeys gk, long[] primes,
      java.util.concurrent.ExecutorService executor) {
    return evaluateBatch(xs, images, slots, enc, ev, rk, gk, primes, executor, true);
  }

  /**
   * {@link #evaluateBatch}, with the separation of a slot's two images before each activation
   * switched off when {@code separate} is false (the activation then runs on the complex value):
   * only for the attack test that shows what the separation prevents.
   */
  public Ciphertext[] evaluateBatch(Ciphertext[] xs, int images, int slots, CkksEncoder enc,
      Evaluator ev, RelinKeys rk, GaloisKeys gk, long[] primes,
      java.util.concurrent.ExecutorService executor, boolean separate) {
    if (primesPerLevel != 1) {
      throw new IllegalStateException("the batch packing runs on one-prime levels only");
    }
    if (images < 1 || images > 2 * slots) {
      throw new IllegalArgumentException(images + " images in " + slots + " slots");
    }
    List<Ciphertext> c = List.of(xs);
    // The ciphertexts hold factor times the true values (the separation doubles them).
    double factor = 1.0;
    for (Object o : steps) {
      if (o instanceof LinearStep st) {
        c = st.last ? lastBatch(st, c, images, slots, factor, enc, ev, gk, primes, executor)
            : denseBatch(st, c, slots, factor, enc, ev, primes, executor);
        factor = 1.0;
      } else {
        ActivationStep a = (ActivationStep) o;
        List<Ciphertext> in = c;
        // Separated, each image is 2 * factor times its value; not separated, factor times.
        double g = separate ? 2 * factor : factor;
        ActivationStep run = a.square ? a : a.ofScaledInput(1.0 / g);
        c = parallel(in.size(), 8, (from, to) -> {
          List<Ciphertext> r = new ArrayList<>();
          for (int j = from; j < to; j++) {
            Ciphertext u = in.get(j);
            if (!separate) {
              r.add(run.apply(u, enc, ev, rk, primes, slots));
              continue;
            }
            Ciphertext v = ev.conjugate(u, gk);
            Ciphertext re = ev.add(u, v);
            Ciphertext im = timesI(ev.sub(v, u), enc, ev, slots);
            Ciphertext fa = run.apply(re, enc, ev, rk, primes, slots);
            Ciphertext fb = run.apply(im, enc, ev, rk, primes, slots);
            r.add(ev.add(fa, timesI(fb, enc, ev, slots)));
          }
          return r;
        }, executor);
        factor = a.square ? g * g : 1.0;
      }
    }
    return c.toArray(new Ciphertext[0]);
  }

  /**
   * {@code c} times the monomial {@code X^(N/2)}, which is {@code i * e_j} in slot {@code j}
   * with {@code e_j = +-1} by the backend's order of the roots ({@link #imaginarySigns}): the
   * product permutes and negates coefficients, so it adds no noise, takes no level and keeps
   * the scale. The batch packing holds a slot's second image as {@code e_j} times its value in
   * the imaginary part, so that this product is exactly the multiplication by {@code i} of that
   * image's lane: {@code J(a + J b) = J a - b}.
   */
  public Ciphertext timesI(Ciphertext c, CkksEncoder enc, Evaluator ev, int slots) {
    dev.oml.he.Plaintext j = unitI.computeIfAbsent(c.level(), l -> enc.monomial(slots, l));
    return ev.multiplyPlain(c, j);
  }

  private final java.util.Map<Integer, dev.oml.he.Plaintext> unitI =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The signs {@code e_j} with {@code X^(N/2) = i e_j} in slot {@code j} of {@code enc}'s
   * backend (all {@code +1} for the pure-Java engine, whose slots are at the roots
   * {@code zeta^(5^j)}; alternating for SEAL's {@code zeta^(3^j)}): the second image of slot
   * {@code j} is {@code e_j} times its value in the imaginary part.
   */
  public static double[] imaginarySigns(CkksEncoder enc) {
    double[] im = enc.decodeComplex(enc.monomial(enc.slotCount(), 0))[1];
    double[] e = new double[im.length];
    for (int j = 0; j < im.length; j++) {
      e[j] = Math.signum(Math.rint(im[j]));
      if (Math.abs(e[j]) != 1.0) {
        throw new IllegalStateException("X^(N/2) is not +-i in slot " + j);
      }
    }
    return e;
  }

  private volatile double[] signs;

  private double[] signs(CkksEncoder enc) {
    double[] e = signs;
    if (e == null) {
      e = imaginarySigns(enc);
      signs = e;
    }
    return e;
  }

  private List<Ciphertext> denseBatch(LinearStep st, List<Ciphertext> x, int slots,
      double factor, CkksEncoder enc, Evaluator ev, long[] primes,
      java.util.concurrent.ExecutorService executor) {
    if (x.size() != st.cols) {
      throw new IllegalStateException(x.size() + " ciphertexts into a layer of " + st.cols);
    }
    double q = primes[x.get(0).level()];
    double[] e = signs(enc);
    return parallel(st.rows, 16, (from, to) -> {
      List<Ciphertext> r = new ArrayList<>();
      for (Ciphertext u : ev.multiplyConstantSums(x, weights(st, from, to, 1.0 / factor), q)) {
        r.add(ev.rescale(u));
      }
      for (int j = from; j < to; j++) {
        Ciphertext u = r.get(j - from);
        double[] b = new double[slots];
        double[] bi = new double[slots];
        for (int s = 0; s < slots; s++) {
          b[s] = st.bias[j];
          bi[s] = e[s] * st.bias[j];
        }
        // b (1 + i e): the bias of both images of every slot
        r.set(j - from, ev.addPlain(u, enc.encode(b, bi, u.scale(), u.level())));
      }
      return r;
    }, executor);
  }

  /** Rows {@code [from, to)} of the step's weights, times {@code f}. */
  private static double[][] weights(LinearStep st, int from, int to, double f) {
    double[][] w = new double[to - from][st.cols];
    for (int j = from; j < to; j++) {
      for (int i = 0; i < st.cols; i++) {
        w[j - from][i] = st.a[j * st.cols + i] * f;
      }
    }
    return w;
  }

  private List<Ciphertext> lastBatch(LinearStep st, List<Ciphertext> x, int images, int slots,
      double factor, CkksEncoder enc, Evaluator ev, GaloisKeys gk, long[] primes,
      java.util.concurrent.ExecutorService executor) {
    if (x.size() != st.cols) {
      throw new IllegalStateException(x.size() + " ciphertexts into a layer of " + st.cols);
    }
    int level = x.get(0).level();
    double q = primes[level];
    // mA: the real part of the slot is a permitted image; mB: the imaginary part is.
    double[] mA = new double[slots];
    double[] mB = new double[slots];
    double[] g1 = new double[slots];
    double[] g2 = new double[slots];
    for (int s = 0; s < slots; s++) {
      mA[s] = s < images ? 1 : 0;
      mB[s] = s + slots < images ? 1 : 0;
      g1[s] = (mA[s] + mB[s]) / 2;
      g2[s] = (mA[s] - mB[s]) / 2;
    }
    double[] e = signs(enc);
    boolean same = images <= slots; // mB = 0: z2 = z1
    boolean none = images == 2 * slots; // g2 = 0
    return parallel(st.rows, 5, (from, to) -> {
      List<Ciphertext> z1 = maskedSums(st, x, from, to, g1, factor, q, level, enc, ev);
      List<Ciphertext> z2 = same || none ? null
          : maskedSums(st, x, from, to, g2, factor, q, level, enc, ev);
      List<Ciphertext> r = new ArrayList<>();
      for (int j = from; j < to; j++) {
        Ciphertext u = ev.rescale(z1.get(j - from));
        if (!none) {
          Ciphertext w = same ? u : ev.rescale(z2.get(j - from));
          u = ev.add(u, ev.conjugate(w, gk));
        }
        double[] bA = new double[slots];
        double[] bB = new double[slots];
        for (int s = 0; s < slots; s++) {
          bA[s] = st.bias[j] * mA[s];
          bB[s] = e[s] * st.bias[j] * mB[s];
        }
        r.add(ev.addPlain(u, enc.encode(bA, bB, u.scale(), u.level())));
      }
      return r;
    }, executor);
  }

  /**
   * For rows {@code [from, to)}: {@code sum_i (w_ji / factor) mask x_i}, unrescaled: by the
   * constant sums when the mask is one value in every slot, otherwise by products with encoded
   * plaintexts {@code w_ji mask / factor} at the scale {@code q} of the prime the step drops.
   */
  private static List<Ciphertext> maskedSums(LinearStep st, List<Ciphertext> x, int from, int to,
      double[] mask, double factor, double q, int level, CkksEncoder enc, Evaluator ev) {
    boolean uniform = true;
    for (double m : mask) {
      uniform &= m == mask[0];
    }
    if (uniform && mask[0] != 0.0) {
      return new ArrayList<>(ev.multiplyConstantSums(x, weights(st, from, to, mask[0] / factor),
          q));
    }
    int slots = mask.length;
    List<Ciphertext> r = new ArrayList<>();
    double[] v = new double[slots];
    for (int j = from; j < to; j++) {
      List<Ciphertext> terms = new ArrayList<>();
      List<dev.oml.he.Plaintext> ps = new ArrayList<>();
      for (int i = 0; i < st.cols; i++) {
        double w = st.a[j * st.cols + i] / factor;
        if (w == 0.0) {
          continue;
        }
        for (int s = 0; s < slots; s++) {
          v[s] = w * mask[s];
        }
        terms.add(x.get(i));
        ps.add(enc.encode(v, new double[0], q, level));
      }
      if (terms.isEmpty()) {
        r.add(ev.multiplyPlain(x.get(0), enc.encode(new double[slots], new double[0], q, level)));
      } else {
        r.add(ev.multiplyPlainSum(terms, ps));
      }
    }
    return r;
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
    for (List<Ciphertext> part : Futures.invokeAll(executor, jobs)) {
      out.addAll(part);
    }
    return out;
  }

  /** Linear steps and activations, for the noise estimate. */
  List<Object> steps() {
    return steps;
  }
}
