package dev.oml.he.inference;

/**
 * How a plan lays images out in ciphertexts; the owner fixes it per model
 * ({@link HePlanOptions.Builder#packing}) and the plan names it.
 */
public enum HePacking {
  /**
   * All features of an image in slots, several images per ciphertext (one per lane), layers by
   * the diagonal method with rotations: low latency for a few images; needs rotation keys.
   */
  ROWS(1),
  /**
   * Two images per slot (the CryptoNets layout on both parts of the complex slots): one
   * ciphertext per input feature, the real part of slot {@code b} holding image {@code b} and
   * its imaginary part image {@code N/2 + b}, up to {@code N} images per query; a dense layer is
   * a sum of ciphertext-times-constant products per output neuron, with no rotation, and the
   * two images of a slot are separated before every activation. High throughput for many
   * images; a query costs about the same for one image as for {@code N}.
   */
  BATCH(2);

  private final int code;

  HePacking(int code) {
    this.code = code;
  }

  /** The packing's code in the plan message. */
  int code() {
    return code;
  }

  /** The packing of {@code code}, or null if it names none. */
  static HePacking ofCode(int code) {
    for (HePacking p : values()) {
      if (p.code == code) {
        return p;
      }
    }
    return null;
  }
}
