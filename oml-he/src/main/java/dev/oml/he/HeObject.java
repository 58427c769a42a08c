package dev.oml.he;

/**
 * Anything made under a context: keys, plaintexts, ciphertexts. Each carries the id of the
 * parameters it was made under, and every context refuses objects whose id differs from its own
 * (or that another backend made) with {@link ContextMismatchException}.
 */
public interface HeObject {
  /** {@link HeParameters#parameterId()} of the parameters this object belongs to. */
  String parameterId();
}
