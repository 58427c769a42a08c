package dev.oml.core;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's shipped files (models, data subset) from a module's test run. */
public final class TestPaths {
  private TestPaths() {}

  /** The repository root: the nearest ancestor of the working directory holding models/. */
  public static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null) {
      if (Files.isDirectory(p.resolve("models")) && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
      p = p.getParent();
    }
    throw new IllegalStateException("repository root (with models/) not found above "
        + Path.of("").toAbsolutePath());
  }

  public static Path model(String name) {
    return root().resolve("models").resolve(name + ".omlm");
  }

  public static Path subset() {
    return root().resolve("data").resolve("fashion-mnist-subset");
  }
}
