package dev.oml.he.inference;

import dev.oml.core.model.InputBox;
import dev.oml.core.model.Layer;
import dev.oml.core.model.LinearForm;
import dev.oml.core.model.Model;
import dev.oml.core.model.Polynomial;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import dev.oml.core.omlize.ModelId;
import dev.oml.he.Ciphertext;
import dev.oml.he.FloodingBudget;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.NoiseBudgetException;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.inference.internal.HeProgram;
import dev.oml.he.inference.internal.Layout;
import dev.oml.he.inference.internal.NoiseEstimate;
import dev.oml.he.internal.GaussianFlood;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * A model compiled for homomorphic evaluation by the owner: its CKKS parameters, chosen from the
 * model's depth, the answer's precision and the flooding budget; its layers lowered to diagonal
 * matrix-vector products and polynomial activations over an interleaved slot layout; and the
 * public {@link HeInferencePlan}. It holds the weights, so it lives only in the owner's HE
 * service. {@link #compile} is the parameter planner: it refuses models it cannot run
 * ({@link UnsupportedModelException}) and flooding it cannot afford at the requested precision
 * ({@link NoiseBudgetException}, naming the largest {@code kappa} that would fit).
 */
public final class HeCompiledModel {
  /** Bits of the base prime and the special prime. */
  static final int BASE_BITS = 60;
  /** Largest scale, so that weights and biases times the scale stay within the encoder's 62 bits. */
  static final int MAX_SCALE_BITS = 55;
  /** Smallest useful scale; deeper models are refused. */
  static final int MIN_SCALE_BITS = 30;
  /** Answer primes (of BASE_BITS) of a two-prime plan, above the base prime. */
  static final int TWO_PRIME_ANSWER_PRIMES = 2;
  /** Smallest prime of a two-prime plan's levels (a scale of at least 2^80). */
  static final int TWO_PRIME_MIN_BITS = 40;

  private final Model model;
  private final HeProgram program;
  private final HeContext context;
  private final HeInferencePlan plan;
  private final FloodingBudget budget;
  private final Layout layout;
  private final long[] primes;
  private volatile int sessionKeysBound;

  private HeCompiledModel(Model model, HeProgram program, HeContext context, HeInferencePlan plan,
      FloodingBudget budget, Layout layout) {
    this.model = model;
    this.program = program;
    this.context = context;
    this.plan = plan;
    this.budget = budget;
    this.layout = layout;
    this.primes = context.parameters().coeffModulus();
  }

  /** Largest {@code log2 Q P} at 128-bit security for a ternary secret (HE Standard). */
  static int maxModulusBits(int n) {
    return n >= 32768 ? 881 : n >= 16384 ? 438 : n >= 8192 ? 218 : n >= 4096 ? 109 : 54;
  }

  /**
   * Plans parameters and compiles {@code model} for the HE mode.
   *
   * @param id the model id permissions for this service name
   * @throws UnsupportedModelException for layers without a polynomial form, models not ending
   *     with a linear layer, or models too deep or too wide for the ring
   * @throws NoiseBudgetException if flooding at {@code kappa} would leave less precision than
   *     asked
   */
  public static HeCompiledModel compile(Model model, ModelId id, HeBackend backend,
      HePlanOptions options) {
    HeProgram.checkSupported(model);
    int n = options.ringDegree();
    int slots = n / 2;
    int features = HeProgram.featuresFor(model);
    boolean batch = options.packing() == HePacking.BATCH;
    // The batch packing holds one feature per ciphertext: any width fits its slots.
    if (!batch && features > slots) {
      throw new UnsupportedModelException("model '" + model.name() + "' has vectors of up to "
          + features + " values, more than the " + slots + " slots of N = " + n);
    }
    int depth = HeProgram.depthOf(model);
    // The HE Standard bound of the 128-bit ring sizes the chain even for INSECURE test rings,
    // so tests run the same chain shape as production.
    int budgetBits = maxModulusBits(Math.max(n, 16384)) - 2 * BASE_BITS;
    int scaleBits = Math.min(MAX_SCALE_BITS, (budgetBits - 30) / Math.max(1, depth));
    if (scaleBits < MIN_SCALE_BITS) {
      throw new UnsupportedModelException("model '" + model.name() + "' consumes " + depth
          + " levels; 128-bit parameters at N = " + n + " carry at most "
          + (budgetBits - 30) / MIN_SCALE_BITS + " at a 2^" + MIN_SCALE_BITS
          + " scale: use fewer or lower-degree activations");
    }
    int answerBits = Math.min(BASE_BITS, budgetBits - depth * scaleBits);
    int[] bits = new int[depth + 2];
    bits[0] = BASE_BITS;
    bits[1] = answerBits;
    for (int i = 0; i < depth; i++) {
      bits[i + 2] = scaleBits;
    }
    int k = options.primesPerLevel();
    if (k == 2) {
      bits = twoPrimeChain(model, depth);
      scaleBits = 2 * bits[bits.length - 1];
    }
    HeParameters.Builder pb = HeParameters.builder(HeScheme.CKKS).polyModulusDegree(n)
        .coeffModulusBits(bits).specialPrimeBits(BASE_BITS);
    String shape = k == 2 ? "-2P" : "";
    if (options.isInsecure()) {
      pb.insecureForTesting().name("INSECURE-CKKS-HE-N" + n + shape);
    } else {
      pb.name("CKKS-HE-N" + n + shape);
    }
    HeParameters params = pb.build();
    HeContext ctx = backend.createContext(params);
    int top = params.maxLevel();
    HeProgram program = HeProgram.compile(model, features, top, options.hoistedRotations(), k);
    Layout layout = batch ? null : new Layout(slots, features, slots / features);
    long[] primes = params.coeffModulus();
    double inputScale = Math.pow(2, scaleBits);

    // Scales through the chain: linear steps and polynomial terms keep the scale, a square
    // divides the squared scale by the prime (or the two primes, in turn) it drops.
    double[][] stats = activationBounds(model, options);
    double[] bounds = stats[0];
    double scale = inputScale;
    int level = top;
    for (Layer l : model.layers()) {
      if (l instanceof Square || (l instanceof Polynomial p && p.coefficients().length == 3
          && p.coefficients()[0] == 0 && p.coefficients()[1] == 0 && p.coefficients()[2] == 1)) {
        scale = scale * scale;
        for (int i = 0; i < k; i++) {
          scale /= primes[level--];
        }
      } else if (l.isLinear()) {
        level -= k;
      } else if (l instanceof Polynomial p) {
        level -= depthOfPoly(p) * k;
      }
    }
    int answerLevel = level;
    double finalScale = scale;
    InputBox box = inputBox(model, options);
    double[] worst = boxBounds(model, box);
    // The bound: every data-dependent gain (an activation's derivative, the logits' size) at its
    // worst case over the input box; the randomness (encryption, rounding, key switching) at
    // TAIL standard deviations. The estimate beside it uses the calibration statistics.
    double[] variances = batch
        ? NoiseEstimate.batchOutputVariances(program, n, inputScale, primes,
            params.specialPrime(), worst, worst)
        : NoiseEstimate.outputVariances(program, n, inputScale, primes, params.specialPrime(),
            worst, worst);
    double evalError = NoiseEstimate.TAIL * Math.sqrt(variances[0]);
    double evalEstimate = options.calibration() == null ? 0.0
        : batch ? NoiseEstimate.TAIL * Math.sqrt(NoiseEstimate.batchOutputVariances(program, n,
            inputScale, primes, params.specialPrime(), stats[1], bounds)[0])
        : NoiseEstimate.outputError(program, n, inputScale, primes, params.specialPrime(),
            stats[1], bounds);
    double outBound = worst[worst.length - 1];
    double want = Math.pow(2, -options.answerPrecisionBits());
    double rerand = NoiseEstimate.fresh(n, finalScale);
    FloodingBudget budget = null;
    int kappa = 0;
    int floodBits = 0;
    double total = evalError + rerand;
    if (options.flooding()) {
      kappa = options.kappa();
      // The flood is sized against the Euclidean norm of the noise's coefficient vector. By
      // Parseval over the N/2 slots and their conjugates, ||e||_2^2 = (2/N) sum_j |z_j|^2, whose
      // mean is twice the mean real-part variance over the slots: output slots (outputs/features
      // of them, all lanes counted as images) carry variances[0], masked ones variances[1].
      // Twice the root of that mean covers the norm's fluctuation (it concentrates, as a norm of
      // a linear image of independent sub-Gaussian noise does: Hanson-Wright).
      // In the batch packing both parts of every slot of an answer ciphertext may be an output
      // (a query of N images), so the mean is at most the output slots' variance.
      double outputs = batch ? 1.0 : (double) program.outputSize() / features;
      double meanVariance = outputs * variances[0] + (1 - outputs) * variances[1];
      double l2 = 2 * Math.sqrt(2 * meanVariance) * finalScale;
      // Precision first, so that a kappa too large is refused naming the largest that fits.
      double floodError = floodSlotError(n, Math.max(1.0, Math.scalb(l2, kappa)), finalScale);
      total += floodError;
      if (total > want) {
        double room = want - evalError - rerand;
        int best = room <= 0 ? 0
            : kappa + (int) Math.floor(Math.log(room / floodError) / Math.log(2));
        throw new NoiseBudgetException("flooding at kappa = " + kappa + " leaves an error of up to "
            + String.format("%.3g", total) + " per logit, more than the 2^-"
            + options.answerPrecisionBits() + " asked, for model '" + model.name() + "' at N = "
            + n + " (scale 2^" + scaleBits + ", evaluation error bound over the input box "
            + String.format("%.3g", evalError) + ", estimate on the calibration inputs "
            + String.format("%.3g", evalEstimate) + "); the largest kappa that fits is "
            + Math.max(best, 0) + "; ask less precision, a lower kappa or a smaller input box");
      }
      budget = FloodingBudget.forCkksGaussian(params, kappa, l2, answerLevel);
      floodBits = budget.floodBits();
    }
    double answerMagnitude = finalScale * (outBound + total) * 2;
    if (answerMagnitude >= params.modulusAtLevel(answerLevel).doubleValue() / 2) {
      throw new UnsupportedModelException("logits up to " + outBound + " over the input box at "
          + "scale 2^" + Math.round(Math.log(finalScale) / Math.log(2))
          + " do not fit the answer modulus");
    }
    // Published rounded up to powers of two: the exact figures are functions of the weights'
    // norms, and the user needs only their order of magnitude.
    double published = roundUpToPowerOfTwo(total);
    HeInferencePlan plan = new HeInferencePlan(id.bytes(), params, batch ? 1 : features,
        batch ? 2 * slots : layout.lanes(), program.inputSize(), program.outputSize(), inputScale,
        batch ? new int[0] : program.rotationSteps(layout.lanes()), program.needsRelin(),
        batch || program.realProjection(), kappa, floodBits, answerLevel, published,
        roundUpToPowerOfTwo(evalEstimate), box, options.packing());
    return new HeCompiledModel(model, program, ctx, plan, budget, layout);
  }

  /**
   * The chain of a two-prime plan, at N = 32768's 881 bits (INSECURE rings borrow them): the base
   * prime, two answer primes, then {@code 2 depth} primes as large as fit (at most 60 bits); the
   * special prime comes on top. The scale is the product of a level's two primes.
   */
  private static int[] twoPrimeChain(Model model, int depth) {
    int room = maxModulusBits(32768) - (2 + TWO_PRIME_ANSWER_PRIMES) * BASE_BITS;
    int primeBits = Math.min(BASE_BITS, room / (2 * Math.max(1, depth)));
    if (primeBits < TWO_PRIME_MIN_BITS) {
      throw new UnsupportedModelException("model '" + model.name() + "' consumes " + depth
          + " levels; a two-prime plan at N = 32768 carries at most "
          + room / (2 * TWO_PRIME_MIN_BITS) + " at a 2^" + 2 * TWO_PRIME_MIN_BITS
          + " scale: use fewer or lower-degree activations, or one prime per level");
    }
    int[] bits = new int[1 + TWO_PRIME_ANSWER_PRIMES + 2 * depth];
    java.util.Arrays.fill(bits, primeBits);
    for (int i = 0; i <= TWO_PRIME_ANSWER_PRIMES; i++) {
      bits[i] = BASE_BITS;
    }
    return bits;
  }

  static int depthOfPoly(Polynomial p) {
    int d = p.degree();
    int log = 0;
    while ((1 << log) < d) {
      log++;
    }
    return log + 1;
  }

  /**
   * Slot error of Gaussian flooding of standard deviation {@code sigma} per coefficient: a
   * slot's real part sums {@code N} of them with unit-modulus weights whose squared real parts
   * average one half, so its variance is {@code N sigma^2 / 2}; TAIL standard deviations.
   */
  static double floodSlotError(int n, double sigma, double scale) {
    return NoiseEstimate.TAIL * sigma * Math.sqrt(n / 2.0) / scale;
  }

  static double roundUpToPowerOfTwo(double x) {
    return x <= 0 ? 0.0 : Math.pow(2, Math.ceil(Math.log(x) / Math.log(2)));
  }

  /**
   * The plan's input box: the owner's ({@link HePlanOptions.Builder#inputBox}), else the
   * model's, else the smallest interval holding every calibration value (for every feature).
   */
  static InputBox inputBox(Model model, HePlanOptions options) {
    int size = model.inputShape().size();
    InputBox box = options.inputBox() != null ? options.inputBox()
        : model.inputBox().orElse(null);
    if (box == null) {
      double[][] cal = options.calibration();
      if (cal == null || cal.length == 0) {
        throw new UnsupportedModelException("model '" + model.name() + "' declares no input box "
            + "and the plan has none: the flooding is sized for the worst case over the inputs' "
            + "domain, so declare it (Model.withInputBox, or HePlanOptions.inputBox)");
      }
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (double[] x : cal) {
        for (double v : x) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
      box = InputBox.uniform(size, lo, hi);
    }
    if (box.size() != size) {
      throw new UnsupportedModelException("input box of " + box.size() + " features for model '"
          + model.name() + "' with " + size + " inputs");
    }
    return box;
  }

  /**
   * Worst case over {@code box} of the magnitude of the values entering each HE step (interval
   * arithmetic through the layers), one entry per linear or activation step, then the logits':
   * the same indexing as {@link #activationBounds}. At least 1, as there.
   */
  static double[] boxBounds(Model model, InputBox box) {
    int size = box.size();
    double[] lo = new double[size];
    double[] hi = new double[size];
    for (int i = 0; i < size; i++) {
      lo[i] = box.lower(i);
      hi[i] = box.upper(i);
    }
    List<Double> b = new ArrayList<>();
    Shape s = model.inputShape();
    for (Layer l : model.layers()) {
      if (l.isLinear() || l instanceof Square || l instanceof Polynomial) {
        b.add(Math.max(1.0, maxAbs(lo, hi)));
      }
      if (l.isLinear()) {
        LinearForm lf = LinearForm.of(l, s);
        double[] nlo = lf.bias();
        double[] nhi = lf.bias();
        for (int r = 0; r < lf.rows(); r++) {
          for (int c = 0; c < lf.cols(); c++) {
            double w = lf.entry(r, c);
            if (w != 0) {
              nlo[r] += Math.min(w * lo[c], w * hi[c]);
              nhi[r] += Math.max(w * lo[c], w * hi[c]);
            }
          }
        }
        lo = nlo;
        hi = nhi;
      } else if (l instanceof Square) {
        for (int i = 0; i < lo.length; i++) {
          double a = lo[i] * lo[i];
          double c = hi[i] * hi[i];
          lo[i] = lo[i] <= 0 && hi[i] >= 0 ? 0 : Math.min(a, c);
          hi[i] = Math.max(a, c);
        }
      } else if (l instanceof Polynomial p) {
        // |p(x)| <= sum |c_k| M^k for |x| <= M: crude, and a bound.
        double[] c = p.coefficients();
        for (int i = 0; i < lo.length; i++) {
          double m = Math.max(Math.abs(lo[i]), Math.abs(hi[i]));
          double v = 0;
          for (int k = c.length - 1; k >= 0; k--) {
            v = v * m + Math.abs(c[k]);
          }
          lo[i] = -v;
          hi[i] = v;
        }
      }
      s = l.outputShape(s);
    }
    b.add(Math.max(1.0, maxAbs(lo, hi)));
    return b.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static double maxAbs(double[] lo, double[] hi) {
    double m = 0;
    for (int i = 0; i < lo.length; i++) {
      m = Math.max(m, Math.max(Math.abs(lo[i]), Math.abs(hi[i])));
    }
    return m;
  }

  /**
   * Statistics of the values entering each HE step, from the plaintext run on the calibration
   * inputs with a factor-2 margin, or {@code 2^activationBits} without calibration: {@code [0]}
   * bounds, {@code [1]} root mean squares; the last entry is the logits'.
   */
  static double[][] activationBounds(Model model, HePlanOptions options) {
    List<Double> b = new ArrayList<>();
    List<Double> rms = new ArrayList<>();
    double[][] cal = options.calibration();
    double declared = Math.pow(2, model.activationBits());
    if (cal == null || cal.length == 0) {
      for (Layer l : model.layers()) {
        if (l.isLinear() || l instanceof Square || l instanceof Polynomial) {
          b.add(declared);
        }
      }
      b.add(declared);
      double[] d = b.stream().mapToDouble(Double::doubleValue).toArray();
      return new double[][] {d, d.clone()};
    }
    Shape s = model.inputShape();
    double[][] h = new double[cal.length][];
    for (int i = 0; i < cal.length; i++) {
      h[i] = cal[i].clone();
    }
    for (Layer l : model.layers()) {
      boolean step = l.isLinear() || l instanceof Square || l instanceof Polynomial;
      if (step) {
        double m = 0;
        double sq = 0;
        long cnt = 0;
        for (double[] v : h) {
          for (double x : v) {
            m = Math.max(m, Math.abs(x));
            sq += x * x;
            cnt++;
          }
        }
        b.add(Math.max(1.0, 2 * m));
        rms.add(2 * Math.sqrt(sq / Math.max(1, cnt)));
      }
      if (l.isLinear()) {
        LinearForm lf = LinearForm.of(l, s);
        for (int i = 0; i < h.length; i++) {
          double[] y = lf.bias();
          for (int r = 0; r < lf.rows(); r++) {
            double acc = y[r];
            for (int c = 0; c < lf.cols(); c++) {
              acc += lf.entry(r, c) * h[i][c];
            }
            y[r] = acc;
          }
          h[i] = y;
        }
      } else if (l instanceof Square) {
        for (double[] v : h) {
          for (int j = 0; j < v.length; j++) {
            v[j] *= v[j];
          }
        }
      } else if (l instanceof Polynomial p) {
        double[] c = p.coefficients();
        for (double[] v : h) {
          for (int j = 0; j < v.length; j++) {
            double acc = c[c.length - 1];
            for (int k = c.length - 2; k >= 0; k--) {
              acc = acc * v[j] + c[k];
            }
            v[j] = acc;
          }
        }
      }
      s = l.outputShape(s);
    }
    double m = 0;
    for (double[] v : h) {
      for (double x : v) {
        m = Math.max(m, Math.abs(x));
      }
    }
    b.add(Math.max(1.0, 2 * m));
    rms.add(0.0);
    return new double[][] {b.stream().mapToDouble(Double::doubleValue).toArray(),
        rms.stream().mapToDouble(Double::doubleValue).toArray()};
  }

  public HeInferencePlan plan() {
    return plan;
  }

  /**
   * The same compiled network served under another model id: the plan differs in its model id
   * (and so its plan id) alone, and the context, the lowered program, the flooding budget and
   * the weights are shared, so an owner compiles a network once for all licensees of it.
   */
  public HeCompiledModel forModel(ModelId id) {
    if (id.equals(plan.modelId())) {
      return this;
    }
    HeCompiledModel m = new HeCompiledModel(model, program, context, plan.withModelId(id), budget,
        layout);
    m.sessionKeysBound = sessionKeysBound;
    return m;
  }

  /**
   * The largest session-keys message an owner accepts for this plan: the size of a key set for
   * the plan (derived once from throwaway keys of one and two rotations, then kept) plus a
   * sixteenth for encodings whose size varies. A larger upload is refused from its announced
   * length, before its bytes are read.
   */
  public int sessionKeysBound() {
    int b = sessionKeysBound;
    if (b == 0) {
      long size = HeUserSession.sessionKeysSize(plan, context);
      b = (int) Math.min(Integer.MAX_VALUE, size + size / 16 + 4096);
      sessionKeysBound = b;
    }
    return b;
  }

  public Model model() {
    return model;
  }

  /** The owner's context for this plan's parameters. */
  public HeContext context() {
    return context;
  }

  /** Rotations per ciphertext, for figures. */
  public int rotationsPerCiphertext() {
    return program.rotationCount();
  }

  /**
   * Evaluates the network on one input ciphertext whose first {@code lanes} lanes are images;
   * every other lane and every non-output slot of the result is zero (folded masks), and the
   * result is re-randomized under {@code receiver} and flooded. Package-private: owner sessions
   * call it after admission.
   */
  Ciphertext evaluate(Ciphertext x, int lanes, PublicKey receiver, RelinKeys rk, GaloisKeys gk) {
    return evaluate(x, lanes, receiver, rk, gk, null);
  }

  /**
   * {@link #evaluate(Ciphertext, int, PublicKey, RelinKeys, GaloisKeys)} with a second thread
   * from {@code executor} (if not null) inside each linear step: the latency of one ciphertext.
   */
  Ciphertext evaluate(Ciphertext x, int lanes, PublicKey receiver, RelinKeys rk, GaloisKeys gk,
      java.util.concurrent.Executor executor) {
    // The flood's Gaussian noise is drawn on the image's second thread while the first runs the
    // first activation (the re-randomization below takes that draw, or draws its own).
    Runnable beside = executor != null && budget != null && budget.isGaussian()
        ? () -> GaussianFlood.drawAhead(context.parameters().polyModulusDegree(),
            budget.gaussianSigma(), Runnable::run)
        : null;
    Ciphertext y = evaluateUnflooded(x, lanes, rk, gk, executor, beside);
    if (budget != null) {
      return context.evaluator().rerandomize(y, receiver, budget);
    }
    // Without flooding (measurement plans), still add a fresh encryption of zero.
    return context.evaluator().rerandomize(y, receiver,
        FloodingBudget.forCkksStatedKappa(context.parameters(), 1, BigInteger.ZERO, y.level()));
  }

  /**
   * Evaluates the network in the batch packing on one query's ciphertexts (one per input
   * feature, the real part of slot {@code b} holding image {@code b} and its imaginary part
   * image {@code N/2 + b}), of which only the first {@code images} images are permitted: one
   * answer ciphertext per logit, every other real or imaginary part zero (folded mask), each
   * re-randomized under {@code receiver} and flooded as in the row packing. Output neurons are
   * split across {@code executor} when one is given. Package-private: owner sessions call it
   * after admission.
   */
  Ciphertext[] evaluateBatch(Ciphertext[] xs, int images, PublicKey receiver, RelinKeys rk,
      GaloisKeys gk, java.util.concurrent.ExecutorService executor) {
    Ciphertext[] y = evaluateBatchUnflooded(xs, images, rk, gk, executor);
    for (int j = 0; j < y.length; j++) {
      y[j] = budget != null ? context.evaluator().rerandomize(y[j], receiver, budget)
          : context.evaluator().rerandomize(y[j], receiver, FloodingBudget.forCkksStatedKappa(
              context.parameters(), 1, BigInteger.ZERO, y[j].level()));
    }
    return y;
  }

  /** {@link #evaluateBatch} before re-randomization and flooding. */
  Ciphertext[] evaluateBatchUnflooded(Ciphertext[] xs, int images, RelinKeys rk, GaloisKeys gk,
      java.util.concurrent.ExecutorService executor) {
    return evaluateBatchUnflooded(xs, images, rk, gk, executor, true);
  }

  /**
   * {@link #evaluateBatchUnflooded} with the separation of a slot's two images before each
   * activation switched off when {@code separate} is false: the test-only switch of the attack
   * test that shows what it prevents.
   */
  Ciphertext[] evaluateBatchUnflooded(Ciphertext[] xs, int images, RelinKeys rk, GaloisKeys gk,
      java.util.concurrent.ExecutorService executor, boolean separate) {
    if (plan.packing() != HePacking.BATCH) {
      throw new IllegalStateException("not a batch plan");
    }
    int slots = context.parameters().polyModulusDegree() / 2;
    Ciphertext[] y = program.evaluateBatch(xs, images, slots, context.ckksEncoder(),
        context.evaluator(), rk, gk, primes, executor, separate);
    for (Ciphertext c : y) {
      if (c.level() != plan.answerLevel()) {
        throw new IllegalStateException("evaluation ended at level " + c.level() + ", planned "
            + plan.answerLevel());
      }
    }
    return y;
  }

  /**
   * The evaluation before re-randomization and flooding: a deterministic function of the input
   * ciphertext, the keys and the weights. A user who knows two candidate models can compute it
   * for both, which is why the flood is what hides the model (tests play that user).
   */
  Ciphertext evaluateUnflooded(Ciphertext x, int lanes, RelinKeys rk, GaloisKeys gk) {
    return evaluateUnflooded(x, lanes, rk, gk, null);
  }

  /** {@link #evaluateUnflooded(Ciphertext, int, RelinKeys, GaloisKeys)} on two threads. */
  Ciphertext evaluateUnflooded(Ciphertext x, int lanes, RelinKeys rk, GaloisKeys gk,
      java.util.concurrent.Executor executor) {
    return evaluateUnflooded(x, lanes, rk, gk, executor, null);
  }

  private Ciphertext evaluateUnflooded(Ciphertext x, int lanes, RelinKeys rk, GaloisKeys gk,
      java.util.concurrent.Executor executor, Runnable beside) {
    Ciphertext y = program.evaluate(x, lanes, layout, context.ckksEncoder(), context.evaluator(),
        rk, gk, primes, executor, beside);
    if (y.level() != plan.answerLevel()) {
      throw new IllegalStateException("evaluation ended at level " + y.level() + ", planned "
          + plan.answerLevel());
    }
    return y;
  }
}
