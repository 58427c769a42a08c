package dev.oml.bench.cli;

import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;

/** Which HE backend the command line uses: SEAL where its native library loads, else pure Java (see HeBackends.preferred). */
final class HeModes {
  private HeModes() {}

  static HeBackend backend() {
    return HeBackends.preferred();
  }
}
