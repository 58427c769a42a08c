package dev.oml.he.java.internal;

import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;

/** The pure-Java backend: always available, the reference the native backend is tested against. */
public final class JavaBackend implements HeBackend {
  public static final JavaBackend INSTANCE = new JavaBackend();

  private JavaBackend() {}

  @Override
  public String name() {
    return "java";
  }

  @Override
  public HeContext createContext(HeParameters parameters) {
    return new JavaContext(parameters);
  }
}
