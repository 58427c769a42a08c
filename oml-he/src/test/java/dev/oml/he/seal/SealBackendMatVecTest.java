package dev.oml.he.seal;

import dev.oml.he.HeBackend;
import dev.oml.he.conformance.MatVecConformance;

/** The shared MatVec suite, unchanged, against the SEAL backend (skipped without the library). */
@RequiresSeal
class SealBackendMatVecTest extends MatVecConformance {
  @Override
  protected HeBackend backend() {
    return SealTests.backend();
  }
}
