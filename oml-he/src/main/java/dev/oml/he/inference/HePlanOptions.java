package dev.oml.he.inference;

import dev.oml.core.model.InputBox;

/**
 * What the owner asks of an HE plan: the statistical parameter {@code kappa} of the flooding
 * (required: there is no default, because the achievable value depends on the model and has to
 * be a conscious choice), the absolute precision the answer's logits need ({@code 2^-bits}), the
 * ring (128-bit {@code N = 16384} by default, or a smaller, clearly {@code INSECURE} ring for
 * fast tests), the input box (by default the one the model declares), and calibration inputs
 * whose plaintext activations give the noise estimate reported beside the worst-case bound.
 * Immutable; built by {@link Builder}, which validates at {@link Builder#build()}.
 */
public final class HePlanOptions {
  private final int kappa;
  private final int answerPrecisionBits;
  private final int ringDegree;
  private final boolean insecure;
  private final double[][] calibration;
  private final boolean flooding;
  private final boolean hoisted;
  private final InputBox inputBox;
  private final int primesPerLevel;
  private final HePacking packing;

  private HePlanOptions(Builder b) {
    this.primesPerLevel = b.primesPerLevel;
    this.packing = b.packing;
    this.inputBox = b.inputBox;
    this.hoisted = b.hoisted;
    this.kappa = b.kappa;
    this.answerPrecisionBits = b.answerPrecisionBits;
    this.ringDegree = b.ringDegree;
    this.insecure = b.insecure;
    this.calibration = b.calibration;
    this.flooding = b.flooding;
  }

  public static Builder builder() {
    return new Builder();
  }

  public int kappa() {
    return kappa;
  }

  public int answerPrecisionBits() {
    return answerPrecisionBits;
  }

  public int ringDegree() {
    return ringDegree;
  }

  public boolean isInsecure() {
    return insecure;
  }

  /** False only for measurements of what flooding costs; such plans are not circuit-private. */
  public boolean flooding() {
    return flooding;
  }

  /** True if baby steps are one hoisted rotation (more Galois keys, less owner time). */
  public boolean hoistedRotations() {
    return hoisted;
  }

  /**
   * Primes per level of the plan's chain: 2 (scales above {@code 2^62}, for {@code kappa >= 40})
   * or 1 (the default plan). Unless set, 2 exactly for a secure {@code N = 32768} rows-packed
   * plan that floods at {@code kappa >= 40}; the batch packing always has 1.
   */
  public int primesPerLevel() {
    return primesPerLevel;
  }

  /** How the plan packs images ({@link HePacking#ROWS} unless the owner chose otherwise). */
  public HePacking packing() {
    return packing;
  }

  double[][] calibration() {
    return calibration;
  }

  /** The owner's input box for the plan, or null to use the model's. */
  InputBox inputBox() {
    return inputBox;
  }

  /** Unchecked settings. */
  public static final class Builder {
    private int kappa = -1;
    private int answerPrecisionBits = 4;
    private int ringDegree = 16384;
    private boolean insecure;
    private double[][] calibration;
    private boolean flooding = true;
    private boolean hoisted;
    private InputBox inputBox;
    private int primesPerLevel;
    private HePacking packing = HePacking.ROWS;

    public Builder kappa(int kappa) {
      this.kappa = kappa;
      return this;
    }

    /** Logits are answered to within {@code 2^-bits} (default 4: argmax needs little). */
    public Builder answerPrecisionBits(int bits) {
      this.answerPrecisionBits = bits;
      return this;
    }

    /**
     * The ring degree at 128-bit security: 16384 (the default) or 32768 (twice the slots, so
     * twice the images per ciphertext for a small network, at about twice the cost per
     * operation).
     */
    public Builder ringDegree(int n) {
      this.ringDegree = n;
      this.insecure = false;
      return this;
    }

    /** A ring below 128-bit security, for fast tests only; the plan's name then says INSECURE. */
    public Builder insecureRingForTesting(int n) {
      this.ringDegree = n;
      this.insecure = true;
      return this;
    }

    /**
     * The input domain the plan declares and the user's client enforces, overriding the one the
     * model declares. The flooding is sized for the worst case over it. A model that declares
     * none and gets none here takes the smallest interval holding every calibration value, the
     * same for every feature.
     */
    public Builder inputBox(InputBox box) {
      this.inputBox = java.util.Objects.requireNonNull(box, "box");
      return this;
    }

    /** Plaintext inputs the owner runs for the noise estimate reported beside the bound. */
    public Builder calibration(double[][] inputs) {
      this.calibration = inputs.clone();
      return this;
    }

    /**
     * Turns flooding off (re-randomization stays): only to measure the price of circuit
     * privacy. Answers of such a plan leak the evaluation noise, and with it bits of the model.
     */
    public Builder withoutFloodingForMeasurement() {
      this.flooding = false;
      return this;
    }

    /**
     * Baby steps as one hoisted rotation sharing the key switch's decomposition: the user sends
     * a Galois key per baby step (14 more for the HE network at N = 16384: 6.3 MB each seeded
     * in pure Java, 14.7 MB in SEAL's format; three times the session keys) and the owner spends
     * less time per ciphertext. Off by default (session bytes and owner memory first; the
     * figures are in docs/he-inference.md, section 7).
     */
    public Builder hoistedRotations(boolean on) {
      this.hoisted = on;
      return this;
    }

    /**
     * Levels of two primes each (2), so that the scale is their product, about {@code 2^120}
     * at {@code N = 32768}: the evaluation noise shrinks by that much against the one-prime
     * chain's {@code 2^55} and flooding affords {@code kappa >= 40}; or one prime (1). Without
     * this call the plan takes 2 for a secure {@code N = 32768} plan with {@code kappa >= 40},
     * else 1. Two-prime levels need the HE Standard's room of {@code N = 32768} (881 bits), which
     * INSECURE test rings borrow.
     */
    public Builder primesPerLevel(int k) {
      if (k < 1 || k > 2) {
        throw new IllegalArgumentException("primes per level must be 1 or 2; got " + k);
      }
      this.primesPerLevel = k;
      return this;
    }

    /**
     * The packing of the plan: {@link HePacking#ROWS} (the default: several images per
     * ciphertext, rotations) or {@link HePacking#BATCH} (two images per slot, up to {@code N}
     * images per query, no rotation keys).
     */
    public Builder packing(HePacking packing) {
      this.packing = java.util.Objects.requireNonNull(packing, "packing");
      return this;
    }

    public HePlanOptions build() {
      if (flooding && (kappa < 1 || kappa > 128)) {
        throw new IllegalArgumentException("kappa is required, in [1, 128]; got " + kappa);
      }
      if (answerPrecisionBits < 0 || answerPrecisionBits > 30) {
        throw new IllegalArgumentException("answerPrecisionBits must be in [0, 30]");
      }
      if (Integer.bitCount(ringDegree) != 1 || ringDegree < 1024 || ringDegree > 32768) {
        throw new IllegalArgumentException("ring degree must be a power of two in [1024, 32768]");
      }
      if (!insecure && ringDegree != 16384 && ringDegree != 32768) {
        throw new IllegalArgumentException("secure plans use N = 16384 or 32768");
      }
      if (!insecure && primesPerLevel == 2 && ringDegree != 32768) {
        throw new IllegalArgumentException("two primes per level need N = 32768 (881 bits of "
            + "modulus at 128-bit security)");
      }
      if (packing == HePacking.BATCH && primesPerLevel == 2) {
        throw new IllegalArgumentException("the batch packing runs on one-prime levels; two "
            + "primes per level are for the rows packing");
      }
      if (primesPerLevel == 0) {
        primesPerLevel = packing == HePacking.ROWS && !insecure && ringDegree == 32768
            && flooding && kappa >= 40 ? 2 : 1;
      }
      return new HePlanOptions(this);
    }
  }
}
