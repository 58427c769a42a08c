package dev.oml.he.seal.internal;

import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;

/**
 * The {@link HeBackend} over Microsoft SEAL, reached through OML's own small C ABI
 * ({@code native/}) with JNA. It accepts the same parameter sets as the pure-Java engine (the
 * primes are passed to SEAL exactly, so levels and moduli agree) and implements the whole
 * interface; its serialized bytes are its own (SEAL's format inside an OML header). Creating a
 * context throws {@link dev.oml.he.HeException} saying why when the native library is missing;
 * {@link SealNative#isAvailable()} tells beforehand.
 */
public final class SealBackend implements HeBackend {
  public static final SealBackend INSTANCE = new SealBackend();

  private SealBackend() {}

  @Override
  public String name() {
    return "seal";
  }

  @Override
  public HeContext createContext(HeParameters parameters) {
    if (parameters == null) {
      throw new NullPointerException("parameters");
    }
    SealNative.lib();
    return new SealContext(this, parameters);
  }

  @Override
  public String toString() {
    return "SealBackend[" + SealNative.describe() + "]";
  }
}
