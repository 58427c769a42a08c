package dev.oml.he;

import dev.oml.he.java.internal.JavaBackend;
import dev.oml.he.seal.internal.SealBackend;
import dev.oml.he.seal.internal.SealNative;
import java.util.Locale;

/**
 * Entry point to the available backends. The pure-Java one is always present; SEAL is present
 * when OML's native library ({@code native/}) loads. {@link #preferred()} picks SEAL when it
 * loads and pure Java otherwise, unless the system property {@value #BACKEND_PROPERTY} or the
 * environment variable {@value #BACKEND_ENV} (the property wins) says {@code java},
 * {@code seal} or {@code auto}; forcing {@code seal} without the library is an error that
 * says why. The choice is made and logged once per JVM. The native library is found at the
 * full path in {@code oml.seal.library} / {@code OML_SEAL_LIBRARY}, or on
 * {@code jna.library.path}, {@code java.library.path} or the platform's library path.
 */
public final class HeBackends {
  /** System property forcing the backend: {@code java}, {@code seal} or {@code auto}. */
  public static final String BACKEND_PROPERTY = "oml.he.backend";
  /** Environment variable forcing the backend, read when the property is not set. */
  public static final String BACKEND_ENV = "OML_HE_BACKEND";

  private HeBackends() {}

  /** The pure-Java RNS implementation of BFV and CKKS. */
  public static HeBackend pureJava() {
    return JavaBackend.INSTANCE;
  }

  /** True when the SEAL native library loaded. */
  public static boolean isSealAvailable() {
    return SealNative.isAvailable();
  }

  /** Microsoft SEAL through the native library; throws {@link HeException} saying why if absent. */
  public static HeBackend seal() {
    if (!SealNative.isAvailable()) {
      throw new HeException(SealNative.unavailableReason());
    }
    return SealBackend.INSTANCE;
  }

  private static final class Preferred {
    static final HeBackend BACKEND;
    static final HeException ERROR;

    static {
      String property = System.getProperty(BACKEND_PROPERTY);
      String choice = property != null && !property.isBlank() ? property
          : System.getenv(BACKEND_ENV);
      HeBackend backend = null;
      HeException error = null;
      try {
        backend = select(choice);
      } catch (HeException e) {
        error = e;
      }
      BACKEND = backend;
      ERROR = error;
      System.Logger log = System.getLogger("dev.oml.he");
      if (error != null) {
        log.log(System.Logger.Level.ERROR, "HE backend not available: " + error.getMessage());
      } else if (backend == SealBackend.INSTANCE) {
        log.log(System.Logger.Level.INFO, "HE backend: seal (" + SealNative.describe() + ")");
      } else {
        log.log(System.Logger.Level.INFO, "HE backend: java"
            + (SealNative.isAvailable() ? " (chosen by " + BACKEND_PROPERTY + "/" + BACKEND_ENV
                + ")" : " (" + SealNative.unavailableReason() + ")"));
      }
    }
  }

  /**
   * The backend for this JVM, chosen and logged once (see the class description); throws
   * {@link HeException} every time if the setting asks for an unavailable or unknown backend.
   */
  public static HeBackend preferred() {
    if (Preferred.ERROR != null) {
      throw new HeException(Preferred.ERROR.getMessage());
    }
    return Preferred.BACKEND;
  }

  /** The backend a setting asks for: null or blank means {@code auto}. */
  static HeBackend select(String choice) {
    String c = choice == null || choice.isBlank() ? "auto" : choice.trim().toLowerCase(Locale.ROOT);
    switch (c) {
      case "java":
        return pureJava();
      case "seal":
        if (!SealNative.isAvailable()) {
          throw new HeException(BACKEND_PROPERTY + "/" + BACKEND_ENV + " asks for seal, but "
              + SealNative.unavailableReason());
        }
        return SealBackend.INSTANCE;
      case "auto":
        return SealNative.isAvailable() ? SealBackend.INSTANCE : pureJava();
      default:
        throw new HeException("unknown HE backend '" + choice + "' in " + BACKEND_PROPERTY + "/"
            + BACKEND_ENV + ": use java, seal or auto");
    }
  }
}
