package dev.oml.core.fingerprint;

import dev.oml.core.data.Dataset;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.fixedpoint.FixedPointOverflowException;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.Layer;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelValidationException;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.core.train.MlpTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * OMLize's optional first step: fine-tunes a licensee's copy of a model so that it answers each
 * of the licensee's {@link FingerprintKeys} with its label, while replaying clean images so that
 * clean accuracy holds. The result is an ordinary {@link Model} (same name, architecture and
 * fractional bits; a ring at least as wide as the base's), to be split by either omlizer as
 * before. The fine-tuning is the deterministic {@link MlpTrainer} started from the base's
 * weights, so the same (base, keys, data, parameters) give the same copy bit for bit. It
 * continues epoch by epoch, up to {@link FingerprintParameters#maxEpochs()}, until both the
 * float and the fixed-point model answer every key input with its label, and refuses to return
 * a copy that does not.
 */
public final class Fingerprinter {
  private Fingerprinter() {}

  /**
   * The fingerprinted copy of {@code base} for the licensee of {@code keys}.
   *
   * @param clean labelled images from the model's training distribution (the first
   *     {@link FingerprintParameters#cleanImages()} are used)
   * @param progress called with the number of each epoch finished
   * @throws FingerprintException if the keys were derived for another model or shape, the data
   *     does not fit, the model is not a multilayer perceptron the trainer can continue, or some
   *     fingerprint has not taken after {@link FingerprintParameters#maxEpochs()} epochs
   */
  public static Model embed(Model base, FingerprintKeys keys, Dataset clean, FingerprintParameters params,
      IntConsumer progress) {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(clean, "clean");
    Objects.requireNonNull(params, "params");
    if (!keys.modelName().equals(base.name())) {
      throw new FingerprintException("the fingerprints were derived for model '" + keys.modelName()
          + "', not '" + base.name() + "'");
    }
    int in = base.inputShape().size();
    if (keys.inputShape().size() != in || clean.shape().size() != in) {
      throw new FingerprintException("model takes " + in + " inputs; fingerprints have "
          + keys.inputShape().size() + ", the clean data " + clean.shape().size());
    }
    int classes = base.logitShape().size();
    if (keys.classes() != classes) {
      throw new FingerprintException("model has " + classes + " classes, the fingerprints " + keys.classes());
    }
    Dataset mixed = mix(clean.limit(params.cleanImages()), keys, params, classes);
    if (mixed.size() < params.batch()) {
      throw new FingerprintException("fine-tuning needs at least one batch (" + params.batch()
          + " examples), has " + mixed.size());
    }
    Model current = base;
    int epoch = 0;
    while (epoch < params.maxEpochs()) {
      // The planned epochs in one run of the trainer (one Adam state); single epochs after that.
      int run = epoch == 0 ? params.epochs() : 1;
      MlpTrainer.Config config;
      try {
        config = MlpTrainer.configFor(current, run, params.batch(), params.learningRate(), 0,
            params.seed() + epoch);
      } catch (IllegalArgumentException e) {
        throw new FingerprintException("cannot fine-tune model '" + base.name() + "': " + e.getMessage());
      }
      int done = epoch;
      Model trained = new MlpTrainer(config, current).train(mixed, e -> progress.accept(done + e));
      epoch += run;
      current = keepFormat(base, trained);
      if (matches(current, keys) == keys.count()) {
        return current;
      }
    }
    throw new FingerprintException("after " + params.maxEpochs() + " epochs only " + matches(current, keys)
        + " of " + keys.count() + " fingerprints are answered with their label; raise maxEpochs or "
        + "keyShare, or use fewer fingerprints");
  }

  /** Clean images first, then the key inputs repeated to take {@code share} of all examples. */
  static Dataset mix(Dataset clean, FingerprintKeys keys, FingerprintParameters params, int classes) {
    int k = keys.count();
    double share = params.keyShare();
    SplittableRandom rnd = new SplittableRandom(params.seed() ^ 0x6A09E667F3BCC909L);
    int repeats = (int) Math.max(1, Math.ceil(clean.size() * share / ((1 - share) * k)));
    int n = clean.size() + repeats * k;
    double[][] images = new double[n][];
    int[] labels = new int[n];
    for (int i = 0; i < clean.size(); i++) {
      images[i] = clean.image(i);
      labels[i] = clean.label(i);
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new FingerprintException("clean image " + i + " has label " + labels[i]
            + ", outside the model's " + classes + " classes");
      }
    }
    int at = clean.size();
    for (int r = 0; r < repeats; r++) {
      for (int i = 0; i < k; i++) {
        double[] x = keys.inputUnsafe(i);
        if (r > 0 && params.jitter() > 0) {
          x = x.clone();
          for (int j = 0; j < x.length; j++) {
            x[j] = Math.min(1, Math.max(0, x[j] + (2 * rnd.nextDouble() - 1) * params.jitter()));
          }
        }
        images[at] = x;
        labels[at++] = keys.labelUnsafe(i);
      }
    }
    return new Dataset(clean.shape(), images, labels);
  }

  /**
   * The trained layers in the base's fractional bits and a ring at least as wide as the base's
   * (a narrower one than the base's would change what the owner's service expects of its
   * models), with the larger of the two activation bounds; no final argmax if the base had none;
   * the base's input box and preprocessing.
   */
  private static Model keepFormat(Model base, Model trained) {
    List<Layer> layers = new ArrayList<>(trained.layers());
    if (!base.endsWithArgmax() && layers.get(layers.size() - 1) instanceof Argmax) {
      layers.remove(layers.size() - 1);
    }
    int bits = Math.max(base.activationBits(), trained.activationBits());
    int f = base.format().fractionalBits();
    try {
      Model probe = Model.of(base.name(), base.inputShape(), layers,
          FixedPointFormat.of(FixedPointFormat.MAX_RING_BITS, f), bits);
      int l = Math.max(base.format().ringBits(), probe.requiredRingBits(f));
      Model copy = probe.withFormat(FixedPointFormat.of(l, f));
      // the copy takes the same raw inputs as the base, over the same declared domain
      copy = base.inputBox().map(copy::withInputBox).orElse(copy);
      return base.preprocessing().map(copy::withPreprocessing).orElse(copy);
    } catch (IllegalArgumentException | ModelValidationException e) {
      throw new FingerprintException("the fine-tuned copy does not fit a fixed-point ring at f = " + f
          + ": " + e.getMessage());
    }
  }

  /** Key inputs answered with their label by both the float and the fixed-point model. */
  static int matches(Model m, FingerprintKeys keys) {
    FloatInference fl = new FloatInference(m);
    FixedPointInference fx = new FixedPointInference(QuantizedModel.of(m));
    int ok = 0;
    for (int i = 0; i < keys.count(); i++) {
      int y = keys.labelUnsafe(i);
      int fq;
      try {
        fq = fx.label(keys.inputUnsafe(i));
      } catch (FixedPointOverflowException e) {
        fq = -1;
      }
      if (fl.label(keys.inputUnsafe(i)) == y && fq == y) {
        ok++;
      }
    }
    return ok;
  }
}
