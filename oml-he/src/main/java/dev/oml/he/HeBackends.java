package dev.oml.he;

import dev.oml.he.java.internal.JavaBackend;

/** Entry point to the available backends; the pure-Java one is always present. */
public final class HeBackends {
  private HeBackends() {}

  /** The pure-Java RNS implementation of BFV and CKKS. */
  public static HeBackend pureJava() {
    return JavaBackend.INSTANCE;
  }
}
