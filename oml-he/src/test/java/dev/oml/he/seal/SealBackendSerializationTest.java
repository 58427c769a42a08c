package dev.oml.he.seal;

import dev.oml.he.HeBackend;
import dev.oml.he.conformance.SerializationConformance;

/** The shared Serialization suite, unchanged, against the SEAL backend (skipped without the library). */
@RequiresSeal
class SealBackendSerializationTest extends SerializationConformance {
  @Override
  protected HeBackend backend() {
    return SealTests.backend();
  }
}
