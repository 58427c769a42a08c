package dev.oml.he.conformance;

import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;

class JavaBackendCkksTest extends CkksConformance {
  @Override
  protected HeBackend backend() {
    return HeBackends.pureJava();
  }
}
