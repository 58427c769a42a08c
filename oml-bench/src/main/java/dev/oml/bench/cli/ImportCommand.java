package dev.oml.bench.cli;

import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.model.NpzImporter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code oml import}: converts a NumPy {@code .npz} export into a model file. */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Convert a NumPy .npz export (see docs/model-format.md) into an .omlm model file.")
final class ImportCommand implements Callable<Integer> {
  @Option(names = "--npz", required = true, description = "the .npz archive")
  Path npz;

  @Option(names = "--name", required = true, description = "model name")
  String name;

  @Option(names = "--out", required = true, description = "output model file (.omlm)")
  Path out;

  @Override
  public Integer call() {
    Model m = NpzImporter.load(npz, name);
    ModelFiles.save(m, out);
    System.out.println("wrote " + out + ": " + m);
    return 0;
  }
}
