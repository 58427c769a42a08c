package dev.oml.bench.cli;

import dev.oml.bench.eval.ArtifactEvaluator;
import dev.oml.bench.eval.Evaluator;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.LicenseeArtifact;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

  @Option(names = "--limit", description = "evaluate only the first N images")
  Integer limit;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Option(names = "--artifact", description = "also measure a licensee artifact (.omla) alone: "
      + "the accuracy of its shares run as the model (artifact_only_accuracy)")
  Path artifact;

  @Override
  public Integer call() {
    Model m = ModelFiles.load(model);
    Path dir = dataDir(data);
    Dataset test = FashionMnist.test(dir);
    if (limit != null) {
      test = test.limit(limit);
    }
    int total = test.size();
    Evaluator.Utility u = Evaluator.evaluate(m, test,
        done -> Console.progress(System.err, "evaluating", done, total));
    ArtifactEvaluator.Protection p = artifact == null ? null
        : ArtifactEvaluator.evaluate(LicenseeArtifact.read(artifact), test);
    if (json) {
      String extra = p == null ? "" : String.format(Locale.ROOT,
          ", \"artifact_only_accuracy\": %.4f, \"artifact_only_overflows\": %d,"
              + " \"artifact_only_ring_accuracy\": %.4f", p.accuracy(), p.overflows(),
          p.ringAccuracy());
      System.out.println(String.format(Locale.ROOT,
          "{\"model\": \"%s\", \"data\": \"%s\", \"images\": %d, \"float_accuracy\": %.4f,"
              + " \"fixed_accuracy\": %.4f, \"agreement\": %.4f, \"fixed_overflows\": %d,"
              + " \"ring_bits\": %d, \"fractional_bits\": %d%s}",
          Json.escape(u.model()), Json.escape(dir.toString()), u.images(), u.floatAccuracy(),
          u.fixedAccuracy(), u.agreement(), u.fixedOverflows(), m.format().ringBits(),
          m.format().fractionalBits(), extra));
    } else {
      System.out.printf(Locale.ROOT, "model            %s (%d parameters, %s)%n", u.model(),
          m.parameterCount(), m.format());
      System.out.printf(Locale.ROOT, "data             %s (%d images)%n", dir, u.images());
      System.out.printf(Locale.ROOT, "float accuracy   %.4f%n", u.floatAccuracy());
      System.out.printf(Locale.ROOT, "fixed accuracy   %.4f%n", u.fixedAccuracy());
      System.out.printf(Locale.ROOT, "label agreement  %.4f (%d fixed-point overflows)%n",
          u.agreement(), u.fixedOverflows());
      if (p != null) {
        System.out.printf(Locale.ROOT, "artifact only    %.4f (%d overflows, counted wrong; "
            + "%.4f with ring arithmetic)%n", p.accuracy(), p.overflows(), p.ringAccuracy());
      }
    }
    return 0;
  }

  static Path dataDir(Path explicit) {
    if (explicit != null) {
      return explicit;
    }
    return FashionMnist.systemInstalled() ? FashionMnist.SYSTEM_DIR : Console.subsetDir();
  }
}
