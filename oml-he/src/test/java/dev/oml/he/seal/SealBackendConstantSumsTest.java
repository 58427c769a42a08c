package dev.oml.he.seal;

import dev.oml.he.HeBackend;
import dev.oml.he.conformance.ConstantSumsConformance;

/** The constant-sums suite against the SEAL backend (skipped without the library). */
@RequiresSeal
class SealBackendConstantSumsTest extends ConstantSumsConformance {
  @Override
  protected HeBackend backend() {
    return SealTests.backend();
  }
}
