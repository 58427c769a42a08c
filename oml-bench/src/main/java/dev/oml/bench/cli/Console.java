package dev.oml.bench.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Helpers shared by commands: progress on a terminal only, and where the repository lies. */
final class Console {
  private Console() {}

  /** True when standard output is a terminal: progress is shown only then. */
  static boolean interactive() {
    return System.console() != null;
  }

  /** Prints a progress line that overwrites itself, on a terminal only. */
  static void progress(PrintStream err, String what, int done, int total) {
    if (interactive()) {
      err.print("\r" + what + " " + done + "/" + total);
      if (done == total) {
        err.println();
      }
      err.flush();
    }
  }

  /** The repository root: system property {@code oml.home} (set by ./oml), else the cwd. */
  static Path home() {
    String h = System.getProperty("oml.home");
    if (h != null) {
      return Path.of(h).toAbsolutePath().normalize();
    }
    // Without the launcher: the nearest ancestor of the working directory that holds data/.
    Path p = Path.of("").toAbsolutePath();
    for (Path q = p; q != null; q = q.getParent()) {
      if (Files.isDirectory(q.resolve("data").resolve("fashion-mnist-subset"))) {
        return q;
      }
    }
    return p;
  }

  /** The shipped 1,000-image test subset. */
  static Path subsetDir() {
    return home().resolve("data").resolve("fashion-mnist-subset");
  }

  static boolean exists(Path p) {
    return Files.exists(p);
  }
}
