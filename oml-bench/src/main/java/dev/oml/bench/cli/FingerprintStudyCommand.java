package dev.oml.bench.cli;

import dev.oml.bench.fingerprint.FingerprintStudy;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.fingerprint.FingerprintKeys;
import dev.oml.core.fingerprint.FingerprintParameters;
import dev.oml.core.model.ModelFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code oml fingerprint study}: the measurements of docs/benchmarks.md's fingerprint table
 * (accuracy cost, matches, attacks, false identification) on the full Fashion-MNIST splits
 * (the Debian package {@code dataset-fashion-mnist} or {@code --data}). Single-threaded and
 * slow: minutes per licensee's copy and per ten independent models.
 */
@Command(name = "study", mixinStandardHelpOptions = true,
    description = "Measure fingerprints on a model: accuracy cost, attacks, false identification.")
final class FingerprintStudyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, description = "the base model (.omlm), e.g. models/network-a.omlm")
  Path model;

  @Option(names = "--data", description = "directory with both splits; default: the Debian package's")
  Path data;

  @Option(names = "--fingerprints", defaultValue = "" + FingerprintKeys.DEFAULT_COUNT,
      description = "fingerprints per licensee (default ${DEFAULT-VALUE})")
  int count;

  @Option(names = "--licensees", defaultValue = "8", description = "licensees whose keys are checked (default ${DEFAULT-VALUE})")
  int licensees;

  @Option(names = "--copies", defaultValue = "3", description = "licensees given a fingerprinted copy (default ${DEFAULT-VALUE})")
  int copies;

  @Option(names = "--independent", defaultValue = "100",
      description = "independently trained models checked for false identification (default ${DEFAULT-VALUE})")
  int independent;

  @Option(names = "--independent-epochs", defaultValue = "1",
      description = "epochs each independent model trains (default ${DEFAULT-VALUE})")
  int independentEpochs;

  @Option(names = "--epochs", description = "the owner's fine-tuning epochs (default: the library's)")
  Integer epochs;

  @Option(names = "--key-share", description = "share of fingerprint examples per epoch (default: the library's)")
  Double keyShare;

  @Option(names = "--jitter", description = "noise half-width on replayed key inputs (default: the library's)")
  Double jitter;

  @Option(names = "--learning-rate", description = "the owner's fine-tuning rate (default: the library's)")
  Double learningRate;

  @Option(names = "--attacks-only", description = "only licensee A's copy and the fine-tuning attacks (1, 3 epochs)")
  boolean attacksOnly;

  @Option(names = "--independent-only", description = "only the independently trained models (to run "
      + "beside a run with --independent 0)")
  boolean independentOnly;

  @Option(names = "--independent-from", defaultValue = "0",
      description = "seed offset of the first independent model, to split the run (default ${DEFAULT-VALUE})")
  int independentFrom;

  @Override
  public Integer call() {
    FingerprintParameters.Builder b = FingerprintParameters.builder();
    FingerprintParameters d = FingerprintParameters.DEFAULT;
    b.epochs(epochs != null ? epochs : d.epochs()).maxEpochs(Math.max(d.maxEpochs(), epochs != null ? epochs : 0))
        .keyShare(keyShare != null ? keyShare : d.keyShare()).jitter(jitter != null ? jitter : d.jitter())
        .learningRate(learningRate != null ? learningRate : d.learningRate());
    FingerprintParameters params = b.build();
    Check.range(spec, "--fingerprints", count, 1, FingerprintKeys.MAX_COUNT);
    Check.range(spec, "--licensees", licensees, 2, 1000);
    Check.range(spec, "--copies", copies, 1, licensees);
    Check.range(spec, "--independent", independent, 0, 10_000);
    Check.range(spec, "--independent-epochs", independentEpochs, 1, 100);
    Check.range(spec, "--independent-from", independentFrom, 0, 1_000_000);
    Path dir = data != null ? data : FashionMnist.SYSTEM_DIR;
    new FingerprintStudy(ModelFiles.load(model), FashionMnist.train(dir), FashionMnist.test(dir),
        new FingerprintStudy.Plan(count, licensees, copies, independent, independentEpochs, params,
            attacksOnly, independentOnly, independentFrom), System.out,
        System.err::println).run();
    return 0;
  }
}
