package dev.oml.he;

/**
 * Service-provider interface of a homomorphic-encryption implementation (the pure-Java engine,
 * or SEAL through its native library). A backend makes contexts; every object it returns is
 * opaque and is accepted only by contexts of the same backend and parameters, so no code ever
 * downcasts one backend's objects to another's. Operations are coarse-grained (a whole
 * matrix-vector product is one call) so that a native backend crosses its boundary rarely.
 */
public interface HeBackend {
  /** A short name, e.g. {@code "java"} or {@code "seal"}. */
  String name();

  /** A context for these parameters; throws {@link InvalidParametersException} if unsupported. */
  HeContext createContext(HeParameters parameters);
}
