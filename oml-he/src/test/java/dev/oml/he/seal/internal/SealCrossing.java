package dev.oml.he.seal.internal;

/**
 * Test access to the cheapest native call, to time a JNA crossing, and to SEAL's own rotations
 * (one key switch per step) beside the native layer's hoisted ones.
 */
public final class SealCrossing {
  private SealCrossing() {}

  /** {@code steps} as separate SEAL rotations in one call (what rotateHoisted did before). */
  public static java.util.List<dev.oml.he.Ciphertext> rotateEach(dev.oml.he.Evaluator ev,
      dev.oml.he.Ciphertext x, int[] steps, dev.oml.he.GaloisKeys keys) {
    return ((SealEvaluator) ev).rotateEach(x, steps, keys);
  }

  public static Object call() {
    return SealNative.lib().oml_abi_version();
  }
}
