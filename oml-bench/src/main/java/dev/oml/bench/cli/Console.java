package dev.oml.bench.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Helpers shared by commands: whether a terminal is attached, and where the repository lies. */
final class Console {
  private Console() {}

  /** True when standard output is a terminal: progress is shown only then. */
  static boolean interactive() {
    return System.console() != null;
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

  /**
   * A temporary owner directory for one run (demo, profile): removed when the run ends, also on
   * Ctrl-C, unless the user asked to keep it. It holds a private key and key shares, which must not
   * pile up in /tmp run after run.
   */
  static final class RunDirectory implements AutoCloseable {
    private final Path dir;
    private final boolean keep;
    private final Thread hook;

    RunDirectory(String prefix, boolean keep) throws IOException {
      this.dir = Files.createTempDirectory(prefix);
      this.keep = keep;
      this.hook = keep ? null : new Thread(() -> deleteTree(dir), "oml-remove-" + prefix);
      if (hook != null) {
        Runtime.getRuntime().addShutdownHook(hook);
      }
    }

    Path path() {
      return dir;
    }

    @Override
    public void close() {
      if (keep) {
        return;
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or about to: it removes the directory
        return;
      }
      deleteTree(dir);
    }
  }

  /** Removes a directory tree, best effort: what cannot be removed is left, never half-read. */
  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException ignored) {
      // a file removed concurrently or not removable: nothing more to do at exit
    }
  }
}
