package dev.oml.he.seal;

import dev.oml.he.HeBackend;
import dev.oml.he.conformance.CkksConformance;

/** The shared Ckks suite, unchanged, against the SEAL backend (skipped without the library). */
@RequiresSeal
class SealBackendCkksTest extends CkksConformance {
  @Override
  protected HeBackend backend() {
    return SealTests.backend();
  }
}
