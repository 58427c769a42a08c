package dev.oml.mpc.inference;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shipped model and test subset, found from the module or the repository root. */
final class Fixtures {
  private Fixtures() {}

  static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("models"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("cannot find the repository root (a directory with models/)");
    }
    return p;
  }

  static Model networkA() {
    return ModelFiles.load(root().resolve("models/network-a.omlm"));
  }

  static Dataset subset() {
    return FashionMnist.test(root().resolve("data/fashion-mnist-subset"));
  }
}
