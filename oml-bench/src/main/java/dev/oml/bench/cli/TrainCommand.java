package dev.oml.bench.cli;

import dev.oml.core.train.MlpTrainer;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code oml train}: retrains the example models deterministically on Fashion-MNIST's training
 * split (needs the Debian package {@code dataset-fashion-mnist} or {@code --data}).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train an example model (network-a or he-network) deterministically.")
final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--network", required = true, description = "network-a | he-network")
  String network;

  @Option(names = "--out", required = true, description = "output model file (.omlm)")
  Path out;

  @Option(names = "--data", description = "directory with the training split; default: the Debian package's")
  Path data;

  @Option(names = "--epochs", description = "override the number of epochs, 1 to 1000")
  Integer epochs;

  @Option(names = "--seed", defaultValue = "20261125", description = "random seed (default ${DEFAULT-VALUE})")
  long seed;

  /** The shipped configurations. */
  static MlpTrainer.Config config(String network, long seed, Integer epochs) {
    return switch (network) {
      case "network-a" -> new MlpTrainer.Config("network-a", new int[] {784, 128, 128, 10},
          MlpTrainer.Activation.RELU, epochs != null ? epochs : 15, 64, 1e-3, 0, seed, 12);
      case "he-network" -> new MlpTrainer.Config("he-network", new int[] {784, 128, 128, 10},
          MlpTrainer.Activation.SQUARE, epochs != null ? epochs : 15, 64, 5e-4, 5.0, seed, 12);
      default -> throw new dev.oml.core.OmlException("unknown network '" + network
          + "'; choose network-a or he-network");
    };
  }

  @Override
  public Integer call() {
    Check.oneOf(spec, "--network", network, "network-a", "he-network");
    Check.rangeIfSet(spec, "--epochs", epochs, 1, 1000);
    MlpTrainer.Config cfg = config(network, seed, epochs);
    Path dir = data != null ? data : FashionMnist.SYSTEM_DIR;
    Dataset train = FashionMnist.train(dir);
    Model m = new MlpTrainer(cfg).train(train, e -> System.err.println("epoch " + e + "/" + cfg.epochs()));
    ModelFiles.save(m, out);
    System.out.println("wrote " + out + ": " + m);
    return 0;
  }
}
