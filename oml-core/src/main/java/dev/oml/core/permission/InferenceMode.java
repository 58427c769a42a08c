package dev.oml.core.permission;

/**
 * The inference mode a permission is good for. A permission for one mode is refused in the
 * other, because what "one inference" costs the owner and what the licensee learns differ
 * between them.
 */
public enum InferenceMode {
  /** Two-party secret-shared inference (oml-mpc): the owner holds only its key share. */
  TWO_PARTY(1),
  /** Homomorphic-encryption inference (oml-he): the owner evaluates on the user's ciphertext. */
  HOMOMORPHIC(2);

  private final int code;

  InferenceMode(int code) {
    this.code = code;
  }

  /** The byte that stands for this mode in claims and requests. */
  public int code() {
    return code;
  }

  static InferenceMode ofCode(int code) {
    for (InferenceMode m : values()) {
      if (m.code == code) {
        return m;
      }
    }
    throw new MalformedPermissionException("unknown inference mode code " + code);
  }
}
