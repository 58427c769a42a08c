package dev.oml.bench.cli;

import dev.oml.bench.eval.ArtifactEvaluator;
import dev.oml.bench.eval.Evaluator;
import dev.oml.bench.modes.HeEvaluation;
import dev.oml.he.inference.HePacking;
import dev.oml.service.modes.HePackingPolicy;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.DatasetException;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.OmlArtifact;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.tier2.Tier2Evaluation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code oml evaluate}: utility of a model on Fashion-MNIST, float and fixed point; with
 * {@code --artifact}, also the protection of a licensee artifact (its accuracy alone).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Accuracy of a model's float and fixed-point references on Fashion-MNIST.")
final class EvaluateCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "model file (.omlm)")
  Path model;

  @Option(names = "--data", description = "directory with t10k-images-idx3-ubyte[.gz] and labels;"
      + " default: the installed Debian package, else the shipped 1,000-image subset")
  Path data;

  @Spec CommandSpec spec;

  @Option(names = "--limit", description = "evaluate only the first N images (at least 1)")
  Integer limit;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Option(names = "--artifact", description = "also measure a licensee artifact (.omla) alone: "
      + "the accuracy of its shares run as the model (artifact_only_accuracy)")
  Path artifact;

  @Option(names = "--mode", defaultValue = "plain", description = "plain | 2pc | he: also run the"
      + " model through that mode (owner and user in one process) (default ${DEFAULT-VALUE})")
  String mode;

  @Option(names = "--bundle", defaultValue = "1", description = "2pc: queries prepared per bundle"
      + " (one permission each bundle), 1 to " + MAX_BUNDLE + " (default ${DEFAULT-VALUE})")
  int bundle;

  @Option(names = "--kappa", defaultValue = "6", description = "he: statistical parameter of the"
      + " answer's flooding, stated in the plan, 1 to 128 (default ${DEFAULT-VALUE}; see docs/SECURITY.md)")
  int kappa;

  @Option(names = "--precision-bits", defaultValue = "4", description = "he: absolute precision"
      + " 2^-bits the logits keep, 0 to 30 (default ${DEFAULT-VALUE})")
  int precisionBits;

  @Option(names = "--ring", defaultValue = "16384", description = "he: ring degree, 16384 or"
      + " 32768 (default ${DEFAULT-VALUE}); 32768 with --kappa 40 or more plans two primes per"
      + " level (scale 2^120)")
  int ring;

  @Option(names = "--packing", defaultValue = "rows", description = "he: the packings the owner"
      + " serves, rows | batch | auto (default ${DEFAULT-VALUE}; batch: two images per slot, up to"
      + " N images per query; auto: both plans, and the run takes batch for more than "
      + HePacking.DEFAULT_BATCH_CROSSOVER + " images)")
  String packing;

  /** Largest 2PC bundle: its preprocessing is held in memory at once. */
  static final int MAX_BUNDLE = 1000;

  @Override
  public Integer call() throws Exception {
    Check.oneOf(spec, "--mode", mode, "plain", "2pc", "he");
    Check.rangeIfSet(spec, "--limit", limit, 1, Integer.MAX_VALUE);
    Check.range(spec, "--bundle", bundle, 1, MAX_BUNDLE);
    Check.range(spec, "--kappa", kappa, 1, 128);
    Check.range(spec, "--precision-bits", precisionBits, 0, 30);
    Check.oneOf(spec, "--packing", packing, "rows", "batch", "auto");
    if (ring != 16384 && ring != 32768) {
      throw Check.usage(spec, "--ring must be 16384 or 32768");
    }
    Model m = ModelFiles.load(model);
    Path dir = dataDir(data);
    Dataset test = FashionMnist.test(dir);
    fits(m, test, dir);
    OmlArtifact art = artifact == null ? null : OmlArtifact.read(artifact);
    if (art != null) {
      fits(art.description().architecture(), test, dir);
    }
    if (limit != null) {
      test = test.limit(limit);
    }
    // the dataset gives raw inputs; the model's own preprocessing makes them model inputs
    test = test.preprocessed(m);
    int total = test.size();
    PrintWriter err = spec.commandLine().getErr();
    Evaluator.Utility u = Evaluator.evaluate(m, test, new Progress(err, "evaluating", total));
    ArtifactEvaluator.Protection p = art == null ? null : ArtifactEvaluator.evaluate(art, test);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", u.model());
    out.put("data", dir.toString());
    out.put("images", u.images());
    out.put("float_accuracy", u.floatAccuracy());
    out.put("fixed_accuracy", u.fixedAccuracy());
    out.put("agreement", u.agreement());
    out.put("fixed_overflows", u.fixedOverflows());
    out.put("ring_bits", m.format().ringBits());
    out.put("fractional_bits", m.format().fractionalBits());
    if (p != null) {
      out.put("artifact_only_accuracy", p.accuracy());
      out.put("artifact_only_overflows", p.overflows());
      out.put("artifact_only_ring_accuracy", p.ringAccuracy());
    }
    if (mode.equals("2pc")) {
      try (Tier2Evaluation ev = Tier2Evaluation.create(m, m.format().fractionalBits(),
          OutputPolicy.LOGITS, OfflineHe.standard(), new SecureRandom())) {
        Tier2Evaluation.Summary s = ev.evaluate(test, 0, bundle,
            new Progress(err, "2pc", total));
        out.put("mpc_protocol", "tier 2 (MAC-checked, F_p, HE kappa " + OfflineHe.STANDARD_KAPPA
            + ")");
        out.put("mpc_agreement", s.agreement());
        out.put("mpc_accuracy", s.accuracy());
        out.put("mpc_offline_ms", s.offlineMs());
        out.put("mpc_online_ms", s.onlineMs());
        out.put("mpc_offline_bytes", Math.round(s.offlineBytes()));
        out.put("mpc_online_bytes", Math.round(s.onlineBytes()));
        out.put("mpc_rounds", s.offlineRounds() + s.onlineRounds());
        out.put("mpc_online_rounds", s.onlineRounds());
        out.put("mpc_bundle", s.bundleSize());
        out.put("mpc_owner_cpu_ms", s.ownerCpuMs());
        out.put("mpc_licensee_cpu_ms", s.licenseeCpuMs());
      }
    } else if (mode.equals("he")) {
      Dataset cal = FashionMnist.test(Console.subsetDir()).limit(200).preprocessed(m);
      double[][] calibration = new double[cal.size()][];
      for (int i = 0; i < cal.size(); i++) {
        calibration[i] = cal.image(i);
      }
      try (HeEvaluation ev = new HeEvaluation(m, HeModes.backend(), kappa, precisionBits, calibration,
          new SecureRandom(), ring, HePackingPolicy.parse(packing))) {
        HeEvaluation.Summary s = ev.evaluate(test, 0, new Progress(err, "he", total));
        out.put("he_agreement", s.agreement());
        out.put("he_accuracy", s.accuracy());
        out.put("he_ms_per_image", s.msPerImage());
        out.put("he_bytes_per_query", Math.round(s.bytesPerQuery()));
        out.put("he_images_per_query", s.imagesPerQuery());
        out.put("he_key_bytes", s.keyBytes());
        out.put("he_backend", s.backend());
        out.put("he_kappa", s.kappa());
        out.put("he_packing", s.plan().packing().name().toLowerCase(Locale.ROOT));
        out.put("he_plan", s.plan().parameters().name());
        out.put("he_log2_sigma", s.plan().floodBits());
        out.put("he_error_bound", s.plan().estimatedError());
      }
    }
    if (json) {
      System.out.println(Json.object(out));
    } else {
      for (var e : out.entrySet()) {
        Object v = e.getValue();
        System.out.printf(Locale.ROOT, "%-28s %s%n", e.getKey().replace('_', ' '),
            v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : v);
      }
    }
    return 0;
  }

  /**
   * Refuses images the model cannot take, before any work: their size must be the model's input
   * size.
   */
  static void fits(Model m, Dataset images, Path dir) {
    if (images.shape().size() != m.inputShape().size()) {
      throw new DatasetException("the images in " + dir + " are " + images.shape()
          + " (" + images.shape().size() + " values) but model " + m.name() + " takes "
          + m.inputShape() + " (" + m.inputShape().size() + " values)");
    }
  }

  static Path dataDir(Path explicit) {
    if (explicit != null) {
      return explicit;
    }
    return FashionMnist.systemInstalled() ? FashionMnist.SYSTEM_DIR : Console.subsetDir();
  }
}
