package dev.oml.he.seal;

import dev.oml.he.HeBackend;
import dev.oml.he.seal.internal.SealBackend;
import dev.oml.he.seal.internal.SealNative;
import org.junit.jupiter.api.Assumptions;

/** The SEAL backend for tests, or a skipped test saying why the native library is missing. */
final class SealTests {
  private SealTests() {}

  static HeBackend backend() {
    Assumptions.assumeTrue(SealNative.isAvailable(),
        () -> "SEAL native library not found: set OML_SEAL_LIBRARY to the full path of "
            + "libomlseal (build native/, see docs/he-backends.md); " + SealNative.unavailableReason());
    return SealBackend.INSTANCE;
  }
}
