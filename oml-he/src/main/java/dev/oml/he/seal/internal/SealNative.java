package dev.oml.he.seal.internal;

import com.sun.jna.Native;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.HeException;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.InvalidParametersException;
import dev.oml.he.MalformedDataException;
import dev.oml.he.NoiseBudgetException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and loads OML's native SEAL library ({@code libomlseal.so}, {@code libomlseal.dylib} or
 * {@code omlseal.dll}) once per JVM, and maps its status codes to the typed exceptions of
 * {@code dev.oml.he}. The library is looked for, in order, at the full path in the system
 * property {@value #PATH_PROPERTY} or the environment variable {@value #PATH_ENV}, then in the
 * directories of {@code jna.library.path} and {@code java.library.path}, then in
 * {@code native/build} under {@code oml.home} (set by the {@code oml} launcher), then wherever
 * the platform's loader looks ({@code LD_LIBRARY_PATH} and the system directories). A library
 * built for another ABI version is refused. Loading never throws: {@link #isAvailable()} and
 * {@link #unavailableReason()} report the outcome.
 */
public final class SealNative {
  /** System property: the full path of the native library. */
  public static final String PATH_PROPERTY = "oml.seal.library";
  /** Environment variable: the full path of the native library. */
  public static final String PATH_ENV = "OML_SEAL_LIBRARY";
  static final String LIBRARY_NAME = "omlseal";

  private SealNative() {}

  private static final class Holder {
    static final SealLibrary LIB;
    static final String REASON;
    static final String SOURCE;

    static {
      SealLibrary lib = null;
      String reason = null;
      String source = null;
      List<String> tried = new ArrayList<>();
      try {
        for (String candidate : candidates()) {
          tried.add(candidate);
          try {
            lib = Native.load(candidate, SealLibrary.class);
            source = candidate;
            break;
          } catch (UnsatisfiedLinkError e) {
            reason = e.getMessage();
          }
        }
        if (lib == null) {
          reason = "SEAL native library not found (tried " + String.join(", ", tried)
              + "): build native/ and set " + PATH_ENV + " to the full path of lib"
              + LIBRARY_NAME + (reason != null ? "; last error: " + firstLine(reason) : "");
        } else if (lib.oml_abi_version() != SealLibrary.ABI_VERSION) {
          reason = "SEAL native library at " + source + " has ABI version "
              + lib.oml_abi_version() + ", this build needs " + SealLibrary.ABI_VERSION
              + ": rebuild native/";
          lib = null;
        }
      } catch (LinkageError | RuntimeException e) {
        reason = "SEAL native library could not be loaded: " + firstLine(String.valueOf(e));
        lib = null;
      }
      LIB = lib;
      REASON = lib == null ? reason : null;
      SOURCE = source;
    }
  }

  /** JNA's messages span lines (one per place tried); keep them short and on one line. */
  private static String firstLine(String s) {
    String flat = s.replaceAll("\\s*\\R\\s*", "; ").trim();
    return flat.length() <= 300 ? flat : flat.substring(0, 300) + "...";
  }

  private static List<String> candidates() {
    List<String> out = new ArrayList<>();
    String explicit = System.getProperty(PATH_PROPERTY);
    if (explicit == null || explicit.isBlank()) {
      explicit = System.getenv(PATH_ENV);
    }
    if (explicit != null && !explicit.isBlank()) {
      // An explicit choice is the only one tried: silently loading another copy would hide
      // a typo in the path.
      out.add(explicit);
      return out;
    }
    String file = System.mapLibraryName(LIBRARY_NAME);
    String home = System.getProperty("oml.home");
    for (String prop : new String[] {"jna.library.path", "java.library.path", "oml.home"}) {
      String dirs = System.getProperty(prop);
      if (dirs == null) {
        continue;
      }
      if (prop.equals("oml.home")) {
        // The oml launcher sets oml.home to the checkout, where the build leaves native/build.
        dirs = Path.of(home, "native", "build").toString();
      }
      for (String dir : dirs.split(File.pathSeparator)) {
        if (!dir.isEmpty()) {
          Path p = Path.of(dir, file);
          if (Files.isRegularFile(p)) {
            out.add(p.toAbsolutePath().normalize().toString());
          }
        }
      }
    }
    out.add(LIBRARY_NAME);
    return out;
  }

  /** True when the native library loaded and has the expected ABI. */
  public static boolean isAvailable() {
    return Holder.LIB != null;
  }

  /** Why the library is unavailable, or null when it is available. */
  public static String unavailableReason() {
    return Holder.REASON;
  }

  /** Where the library was loaded from, and the SEAL version it was built against. */
  public static String describe() {
    if (!isAvailable()) {
      return "unavailable: " + unavailableReason();
    }
    return "SEAL " + Holder.LIB.oml_seal_version() + " via " + Holder.SOURCE;
  }

  /** The binding; throws {@link HeException} with the reason when the library is missing. */
  static SealLibrary lib() {
    SealLibrary lib = Holder.LIB;
    if (lib == null) {
      throw new HeException(Holder.REASON);
    }
    return lib;
  }

  /** Throws the typed exception for a failed status. */
  static void check(int status) {
    if (status == SealLibrary.OK) {
      return;
    }
    String msg = Holder.LIB.oml_last_error_message();
    if (msg == null || msg.isEmpty()) {
      msg = "native status " + status;
    }
    switch (status) {
      case SealLibrary.E_INVALID_ARGUMENT:
      case SealLibrary.E_BUFFER_TOO_SMALL:
        throw new IllegalArgumentException(msg);
      case SealLibrary.E_INVALID_PARAMETERS:
        throw new InvalidParametersException(msg);
      case SealLibrary.E_CONTEXT_MISMATCH:
        throw new ContextMismatchException(msg);
      case SealLibrary.E_INCOMPATIBLE:
        throw new IncompatibleOperandsException(msg);
      case SealLibrary.E_MALFORMED:
        throw new MalformedDataException(msg);
      case SealLibrary.E_NOISE_BUDGET:
        throw new NoiseBudgetException(msg);
      case SealLibrary.E_OUT_OF_MEMORY:
        throw new HeException("SEAL: " + msg);
      default:
        throw new HeException("SEAL native library failed: " + msg);
    }
  }
}
