package dev.oml.bench.fingerprint;

import dev.oml.core.data.Dataset;
import dev.oml.core.fingerprint.FingerprintCheck;
import dev.oml.core.fingerprint.FingerprintKeys;
import dev.oml.core.fingerprint.FingerprintParameters;
import dev.oml.core.fingerprint.Fingerprinter;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.fixedpoint.FixedPointOverflowException;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Layer;
import dev.oml.core.model.Model;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.core.train.MlpTrainer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The measurements of docs/benchmarks.md's fingerprint table: on a base model (Network A), the
 * clean accuracy a fingerprinted copy costs on the full test set, the fingerprints that answer
 * on the copy, what survives an attacker's fine-tuning, pruning, re-quantizing and distillation
 * (each with 10,000 clean images of the training split that the owner's fine-tuning did not
 * use), and false identification: other licensees' copies and independently trained models
 * checked against every licensee's fingerprints. Everything is seeded: a rerun prints the same
 * figures.
 */
public final class FingerprintStudy {
  /** What to run. */
  public record Plan(int count, int licensees, int copies, int independent, int independentEpochs,
      FingerprintParameters params, boolean attacksOnly, boolean independentOnly, int independentFrom) {}

  private final Model base;
  private final Dataset train;
  private final Dataset test;
  private final Plan plan;
  private final PrintStream out;
  private final Consumer<String> log;

  public FingerprintStudy(Model base, Dataset train, Dataset test, Plan plan, PrintStream out,
      Consumer<String> log) {
    this.base = base;
    this.train = train;
    this.test = test;
    this.plan = plan;
    this.out = out;
    this.log = log;
  }

  /** Runs the plan and prints the table rows (markdown). */
  public void run() {
    // A fixed owner key: the figures are reproducible, and they depend on the key only through
    // the PRF, which makes every key look alike.
    byte[] ownerSeed = new byte[32];
    new SplittableRandom(7).nextBytes(ownerSeed);
    SigningKeyPair owner = SigningKeyPair.fromPrivateKey(ownerSeed, SecretAccess.get());
    List<FingerprintKeys> keys = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(11);
    for (int i = 0; i < plan.licensees(); i++) {
      byte[] s = new byte[32];
      r.nextBytes(s);
      SigningPublicKey licensee = SigningKeyPair.fromPrivateKey(s, SecretAccess.get()).publicKey();
      keys.add(FingerprintKeys.derive(owner, SecretAccess.get(), licensee, base.name(),
          base.inputShape(), base.logitShape().size(), plan.count()));
    }
    int needed = FingerprintCheck.matchesNeeded(plan.count(), base.logitShape().size(),
        FingerprintCheck.DEFAULT_THRESHOLD_LOG2);
    out.println(plan.params());
    out.printf("K = %d, classes %d: a licensee is named from %d matches on (p < 2^-40)%n%n",
        plan.count(), base.logitShape().size(), needed);
    if (plan.independentOnly()) {
      independent(keys);
      return;
    }
    Dataset ownerClean = train.limit(10_000);
    Dataset attacker = slice(train, train.size() - 10_000, 10_000);
    double[] baseAcc = accuracy(base);
    out.printf("| model | float acc. | fixed acc. | matches (licensee A) | log2 p | named |%n|---|---|---|---|---|---|%n");
    row("base " + base.name(), baseAcc, check(FingerprintCheck.of(base), keys, 0));

    List<Model> copies = new ArrayList<>();
    for (int c = 0; c < plan.copies(); c++) {
      long t0 = System.nanoTime();
      int lic = c;
      Model copy = Fingerprinter.embed(base, keys.get(c), ownerClean, plan.params(),
          e -> log.accept("licensee " + lic + ": epoch " + e));
      log.accept(String.format("copy %d fine-tuned in %.1f s", c, (System.nanoTime() - t0) / 1e9));
      copies.add(copy);
    }
    // The control: the same fine-tuning (data, epochs, rate, seed) without fingerprints, so the
    // cost is the fingerprints' and not that of training the base further.
    FingerprintParameters p = plan.params();
    Model control = new MlpTrainer(MlpTrainer.configFor(base, p.epochs(), p.batch(), p.learningRate(), 0,
        p.seed()), base).train(ownerClean, e -> { });
    double[] controlAcc = accuracy(control);
    row("control: same fine-tuning, no fingerprints", controlAcc, check(FingerprintCheck.of(control), keys, 0));
    Model copy = copies.get(0);
    double[] copyAcc = accuracy(copy);
    row("copy of licensee A", copyAcc, check(FingerprintCheck.of(copy), keys, 0));
    out.printf("%nclean accuracy cost (float, fixed), against the control: %.2f, %.2f points; against the "
        + "base: %.2f, %.2f points%n%n", 100 * (controlAcc[0] - copyAcc[0]), 100 * (controlAcc[1] - copyAcc[1]),
        100 * (baseAcc[0] - copyAcc[0]), 100 * (baseAcc[1] - copyAcc[1]));

    out.printf("| attack on A's copy | float acc. | fixed acc. | matches (A) | log2 p | named |%n|---|---|---|---|---|---|%n");
    for (int epochs : new int[] {1, 3, 10}) {
      if (plan.attacksOnly() && epochs > 3) {
        break;
      }
      Model m = new MlpTrainer(MlpTrainer.configFor(copy, epochs, 64, 1e-3, 0, 100 + epochs), copy)
          .train(attacker, e -> { });
      row("fine-tune, 10,000 images, " + epochs + " epoch" + (epochs > 1 ? "s" : ""), accuracy(m),
          check(FingerprintCheck.of(m), keys, 0));
    }
    for (double fraction : plan.attacksOnly() ? new double[0] : new double[] {0.2, 0.35, 0.5}) {
      Model m = prune(copy, fraction);
      row(String.format("prune %.0f %% of weights (smallest per layer)", 100 * fraction), accuracy(m),
          check(FingerprintCheck.of(m), keys, 0));
    }
    int f0 = copy.format().fractionalBits();
    for (int f : plan.attacksOnly() ? new int[0] : new int[] {8, 6, 4}) {
      Model m = requantize(copy, f);
      FixedPointInference fx = new FixedPointInference(QuantizedModel.of(m));
      FingerprintCheck.Suspect s = x -> {
        try {
          return fx.label(x);
        } catch (FixedPointOverflowException e) {
          return -1;
        }
      };
      row("re-quantize " + copy.format() + " (f=" + f0 + ") to " + m.format(), accuracy(m), check(s, keys, 0));
    }
    if (plan.attacksOnly()) {
      return;
    }
    Dataset distilled = relabel(attacker, new FloatInference(copy));
    for (int epochs : new int[] {10}) {
      MlpTrainer.Config student = new MlpTrainer.Config("student", new int[] {784, 128, 128, 10},
          MlpTrainer.Activation.RELU, epochs, 64, 1e-3, 0, 77, 12);
      Model m = new MlpTrainer(student).train(distilled, e -> log.accept("distil epoch " + e));
      row("distil into a fresh 784-128-128-10, 10,000 images labelled by the copy, " + epochs + " epochs",
          accuracy(m), check(FingerprintCheck.of(m), keys, 0));
    }

    out.printf("%n| false identification | models | licensees' keys | max matches | min log2 p | named |%n|---|---|---|---|---|---|%n");
    // Every copy against every other licensee's fingerprints.
    int maxCross = 0;
    double minCross = 0;
    int namedWrong = 0;
    for (int c = 0; c < copies.size(); c++) {
      FingerprintCheck.Report rep = FingerprintCheck.check(FingerprintCheck.of(copies.get(c)), keys,
          FingerprintCheck.DEFAULT_THRESHOLD_LOG2);
      for (int l = 0; l < keys.size(); l++) {
        FingerprintCheck.Row row = rep.rows().get(l);
        if (l != c) {
          maxCross = Math.max(maxCross, row.matches());
          minCross = Math.min(minCross, row.log2PValue());
        }
      }
      if (!rep.named() || !rep.identified().licenseeHex().equals(keys.get(c).licensee().hex())) {
        namedWrong++;
      }
    }
    out.printf("| other licensees' copies (each also named as its own: %d of %d) | %d | %d others each | %d | %.1f | %s |%n",
        copies.size() - namedWrong, copies.size(), copies.size(), keys.size() - 1, maxCross, minCross,
        "no one else");
    if (plan.independent() > 0) {
      independent(keys);
    }
  }

  /** Independently trained models, each checked against every licensee's fingerprints. */
  private void independent(List<FingerprintKeys> keys) {
    int maxInd = 0;
    double minInd = 0;
    int named = 0;
    double accSum = 0;
    Dataset accuracyImages = slice(test, 0, Math.min(1000, test.size()));
    for (int i = plan.independentFrom(); i < plan.independentFrom() + plan.independent(); i++) {
      // Small models, so that a hundred fit in a shared machine's hour: under the null hypothesis
      // the p-value is exact for any model, so a cheap model is as good a sample as a large one.
      int hidden = 32 + (i % 3) * 16;
      MlpTrainer.Config cfg = new MlpTrainer.Config("independent-" + i, new int[] {784, hidden, 10},
          MlpTrainer.Activation.RELU, plan.independentEpochs(), 64, 1e-3, 0, 1000 + i, 12);
      Dataset data = slice(train, (i % 12) * 5_000, 5_000);
      Model m = new MlpTrainer(cfg).train(data, e -> { });
      double acc = floatAccuracy(m, accuracyImages);
      accSum += acc;
      FingerprintCheck.Report rep = FingerprintCheck.check(FingerprintCheck.of(m), keys,
          FingerprintCheck.DEFAULT_THRESHOLD_LOG2);
      for (FingerprintCheck.Row row : rep.rows()) {
        maxInd = Math.max(maxInd, row.matches());
        minInd = Math.min(minInd, row.log2PValue());
      }
      named += rep.named() ? 1 : 0;
      // One line per model, so that a run stopped early still reports what it checked.
      log.accept(String.format("independent model %d: float acc. %.4f, max matches %d, min log2 p %.1f, "
          + "named %s; so far: %d models, max matches %d, min log2 p %.1f, named %d", i,
          acc, rep.rows().stream().mapToInt(FingerprintCheck.Row::matches).max().orElse(0),
          rep.rows().stream().mapToDouble(FingerprintCheck.Row::log2PValue).min().orElse(0),
          rep.named() ? "yes" : "no", i + 1 - plan.independentFrom(), maxInd, minInd, named));
    }
    if (plan.independentOnly()) {
      out.printf("| false identification | models | licensees' keys | max matches | min log2 p | named |%n|---|---|---|---|---|---|%n");
    }
    out.printf("| independently trained 784-{32,48,64}-10 (seeds 1000.., %d epoch(s) on 5,000 images, mean float acc. %.3f on 1,000 test images) | %d | %d each | %d | %.1f | %d |%n",
        plan.independentEpochs(), plan.independent() == 0 ? 0 : accSum / plan.independent(),
        plan.independent(), keys.size(), maxInd, minInd, named);
  }

  private record Result(int matches, int count, double log2p, boolean named) {}

  private static Result check(FingerprintCheck.Suspect s, List<FingerprintKeys> keys, int licensee) {
    FingerprintCheck.Report rep = FingerprintCheck.check(s, keys, FingerprintCheck.DEFAULT_THRESHOLD_LOG2);
    FingerprintCheck.Row row = rep.rows().get(licensee);
    boolean named = rep.named() && rep.identified().licenseeHex().equals(row.licenseeHex());
    return new Result(row.matches(), row.count(), row.log2PValue(), named);
  }

  private void row(String what, double[] acc, Result r) {
    out.printf("| %s | %.4f | %.4f | %d/%d | %.1f | %s |%n", what, acc[0], acc[1], r.matches(), r.count(),
        r.log2p(), r.named() ? "A" : "no licensee");
    out.flush();
  }

  /** Float and fixed-point accuracy on the full test set. */
  private double[] accuracy(Model m) {
    FloatInference fl = new FloatInference(m);
    FixedPointInference fx = new FixedPointInference(QuantizedModel.of(m));
    int a = 0;
    int b = 0;
    for (int i = 0; i < test.size(); i++) {
      double[] x = test.image(i);
      a += fl.label(x) == test.label(i) ? 1 : 0;
      try {
        b += fx.label(x) == test.label(i) ? 1 : 0;
      } catch (FixedPointOverflowException e) {
        // counts as wrong
      }
    }
    return new double[] {(double) a / test.size(), (double) b / test.size()};
  }

  private static double floatAccuracy(Model m, Dataset d) {
    FloatInference fl = new FloatInference(m);
    int a = 0;
    for (int i = 0; i < d.size(); i++) {
      a += fl.label(d.image(i)) == d.label(i) ? 1 : 0;
    }
    return (double) a / d.size();
  }

  static Dataset slice(Dataset d, int from, int n) {
    double[][] im = new double[n][];
    int[] lb = new int[n];
    for (int i = 0; i < n; i++) {
      im[i] = d.image(from + i);
      lb[i] = d.label(from + i);
    }
    return new Dataset(d.shape(), im, lb);
  }

  static Dataset relabel(Dataset d, FloatInference teacher) {
    double[][] im = new double[d.size()][];
    int[] lb = new int[d.size()];
    for (int i = 0; i < d.size(); i++) {
      im[i] = d.image(i);
      lb[i] = teacher.label(im[i]);
    }
    return new Dataset(d.shape(), im, lb);
  }

  /** Magnitude pruning: the smallest {@code fraction} of each dense layer's weights set to 0. */
  static Model prune(Model m, double fraction) {
    List<Layer> layers = new ArrayList<>();
    for (Layer l : m.layers()) {
      if (l instanceof Dense d) {
        double[] w = d.weights();
        double[] abs = new double[w.length];
        for (int i = 0; i < w.length; i++) {
          abs[i] = Math.abs(w[i]);
        }
        Arrays.sort(abs);
        double cut = abs[(int) Math.floor(fraction * (w.length - 1))];
        for (int i = 0; i < w.length; i++) {
          if (Math.abs(w[i]) <= cut) {
            w[i] = 0;
          }
        }
        layers.add(new Dense(d.inputs(), d.outputs(), w, d.bias()));
      } else {
        layers.add(l);
      }
    }
    return Model.of(m.name(), m.inputShape(), layers, m.format(), m.activationBits());
  }

  /** The model in {@code f} fractional bits and the narrowest ring that holds it at {@code f}. */
  static Model requantize(Model m, int f) {
    int l = m.withFormat(FixedPointFormat.of(FixedPointFormat.MAX_RING_BITS, f)).requiredRingBits(f);
    return m.withFormat(FixedPointFormat.of(l, f));
  }
}
