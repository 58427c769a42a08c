package dev.oml.bench.cli;

import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;

/** Which HE backend the command line uses. */
final class HeModes {
  private HeModes() {}

  static HeBackend backend() {
    return HeBackends.pureJava();
  }
}
