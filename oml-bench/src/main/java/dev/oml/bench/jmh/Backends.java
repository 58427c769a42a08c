package dev.oml.bench.jmh;

import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;

/** Resolves a benchmark's {@code backend} parameter to an HE backend. */
final class Backends {
  private Backends() {}

  static HeBackend byName(String name) {
    if (name.equals("java")) {
      return HeBackends.pureJava();
    }
    if (name.equals("seal")) {
      // Throws HeException saying why when the native library is missing.
      return HeBackends.seal();
    }
    throw new IllegalArgumentException("unknown or unavailable HE backend '" + name + "'");
  }
}
