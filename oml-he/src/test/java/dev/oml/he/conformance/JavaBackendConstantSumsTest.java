package dev.oml.he.conformance;

import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;

class JavaBackendConstantSumsTest extends ConstantSumsConformance {
  @Override
  protected HeBackend backend() {
    return HeBackends.pureJava();
  }
}
