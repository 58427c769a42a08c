package dev.oml.he.seal.internal;

/** Test access to the cheapest native call, to time a JNA crossing. */
public final class SealCrossing {
  private SealCrossing() {}

  public static Object call() {
    return SealNative.lib().oml_abi_version();
  }
}
