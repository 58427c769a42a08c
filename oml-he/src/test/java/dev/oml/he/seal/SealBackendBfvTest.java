package dev.oml.he.seal;

import dev.oml.he.HeBackend;
import dev.oml.he.conformance.BfvConformance;

/** The shared Bfv suite, unchanged, against the SEAL backend (skipped without the library). */
@RequiresSeal
class SealBackendBfvTest extends BfvConformance {
  @Override
  protected HeBackend backend() {
    return SealTests.backend();
  }
}
