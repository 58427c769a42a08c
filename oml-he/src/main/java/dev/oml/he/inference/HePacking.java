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

  /**
   * The default crossover of a client that picks the packing by the size of a call where the
   * owner serves both: the batch packing for more images than this, the rows packing up to it.
   * Measured for the HE network at {@code N = 16384} (docs/he-inference.md, docs/benchmarks.md):
   * the rows packing costs the owner about 0.5-0.8 s per image (8 images per ciphertext), a
   * batch query about 45-60 s whatever it carries (up to 8,192 images then; 16,384 since two
   * images share a slot, at about the same cost per query, so the crossover stands). The costs meet between
   * {@code 45 / 0.8 = 56} and {@code 60 / 0.5 = 120} images; 80 is about where the middle
   * figures meet ({@code 52 / 0.65}). Below it a few images do not wait a minute; above it the
   * batch query is cheaper and needs smaller session keys (13.5 MB against 44.9 MB), at the
   * price of a query of up to 607 MB. Callers with other figures (another network, backend or machine)
   * set their own.
   */
  public static final int DEFAULT_BATCH_CROSSOVER = 80;

  private final int code;

  HePacking(int code) {
    this.code = code;
  }

  /**
   * The packing a client picks for a call of {@code images} images when the owner serves both:
   * {@link #BATCH} for more than {@code crossover} images, else {@link #ROWS}.
   *
   * @throws IllegalArgumentException if {@code images < 1} or {@code crossover < 0}
   */
  public static HePacking forImages(int images, int crossover) {
    if (images < 1 || crossover < 0) {
      throw new IllegalArgumentException("images must be >= 1 and the crossover >= 0; got "
          + images + " and " + crossover);
    }
    return images > crossover ? BATCH : ROWS;
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
