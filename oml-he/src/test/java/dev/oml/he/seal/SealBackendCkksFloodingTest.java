package dev.oml.he.seal;

import dev.oml.he.HeBackend;
import dev.oml.he.conformance.CkksFloodingConformance;

/**
 * The shared CKKS flooding and conjugation suite, unchanged, against the SEAL backend (skipped
 * without the library).
 */
@RequiresSeal
class SealBackendCkksFloodingTest extends CkksFloodingConformance {
  @Override
  protected HeBackend backend() {
    return SealTests.backend();
  }
}
