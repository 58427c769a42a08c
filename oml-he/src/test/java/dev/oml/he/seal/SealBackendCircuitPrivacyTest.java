package dev.oml.he.seal;

import dev.oml.he.HeBackend;
import dev.oml.he.conformance.CircuitPrivacyAttacks;

/** The shared CircuitPrivacy suite, unchanged, against the SEAL backend (skipped without the library). */
@RequiresSeal
class SealBackendCircuitPrivacyTest extends CircuitPrivacyAttacks {
  @Override
  protected HeBackend backend() {
    return SealTests.backend();
  }
}
