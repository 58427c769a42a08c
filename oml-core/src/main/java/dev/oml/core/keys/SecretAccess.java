package dev.oml.core.keys;

/**
 * A capability that every method exposing secret material (private keys, owner key-share
 * seeds, the owner's weight shares) demands as an argument. It protects nothing at run time;
 * it makes every place where a secret leaves its type findable with one search for
 * {@code SecretAccess.get()}, so a review can check each of them.
 */
public final class SecretAccess {
  private static final SecretAccess INSTANCE = new SecretAccess();

  private SecretAccess() {}

  /** The capability. Call it only where a secret must leave its type, and say why there. */
  public static SecretAccess get() {
    return INSTANCE;
  }

  /** Throws if the capability was not passed. */
  public static void require(SecretAccess access) {
    if (access != INSTANCE) {
      throw new IllegalArgumentException("this method exposes secret material and needs SecretAccess.get()");
    }
  }
}
