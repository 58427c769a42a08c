package dev.oml.core.fingerprint;

/**
 * How {@link Fingerprinter} fine-tunes a licensee's copy: how many clean images it replays (so
 * that clean accuracy holds), what share of each epoch the fingerprint examples take, the
 * number of epochs (and the most it may add when a fingerprint has not taken yet), the Adam
 * learning rate and batch, and the seed of the deterministic trainer. Immutable; built by a
 * builder that checks every value at {@link Builder#build()} and throws {@link
 * FingerprintException} naming the one that is wrong. {@link #DEFAULT} is what the command line
 * and docs/benchmarks.md use.
 */
public final class FingerprintParameters {
  /**
   * 10,000 clean images, 30 % of each epoch fingerprint examples with a jitter of 0.25, 5 epochs
   * (up to 10), Adam at 1e-3, batch 64: on Network A, 0.2 points of clean accuracy against the
   * same fine-tuning without fingerprints, and most fingerprints survive an attacker's
   * fine-tuning at the same rate (docs/benchmarks.md). Without the jitter, or at a tenth of each
   * epoch, three epochs of the attacker's fine-tuning removed them.
   */
  public static final FingerprintParameters DEFAULT = builder().build();

  private final int cleanImages;
  private final double keyShare;
  private final int epochs;
  private final int maxEpochs;
  private final double learningRate;
  private final int batch;
  private final long seed;
  private final double jitter;

  private FingerprintParameters(Builder b) {
    this.jitter = b.jitter;
    this.cleanImages = b.cleanImages;
    this.keyShare = b.keyShare;
    this.epochs = b.epochs;
    this.maxEpochs = b.maxEpochs;
    this.learningRate = b.learningRate;
    this.batch = b.batch;
    this.seed = b.seed;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Clean images replayed per epoch (the first ones of the data given, or all if fewer). */
  public int cleanImages() {
    return cleanImages;
  }

  /** The share of each epoch's examples that are fingerprint examples, in (0, 0.5]. */
  public double keyShare() {
    return keyShare;
  }

  public int epochs() {
    return epochs;
  }

  /** Epochs in all, at most, while some fingerprint is not yet answered with its label. */
  public int maxEpochs() {
    return maxEpochs;
  }

  public double learningRate() {
    return learningRate;
  }

  public int batch() {
    return batch;
  }

  public long seed() {
    return seed;
  }

  /**
   * Half-width of the uniform noise added to every replayed copy of a key input but the first
   * (clipped to [0, 1]): the copy must answer the key's whole neighbourhood, which widens the
   * margin that later fine-tuning has to erode. 0 replays the keys exactly.
   */
  public double jitter() {
    return jitter;
  }

  @Override
  public String toString() {
    return "FingerprintParameters[clean " + cleanImages + ", key share " + keyShare + ", epochs "
        + epochs + " (max " + maxEpochs + "), rate " + learningRate + ", batch " + batch + ", jitter "
        + jitter + "]";
  }

  /** Builder; every value has the default of {@link #DEFAULT}. */
  public static final class Builder {
    private int cleanImages = 10_000;
    private double keyShare = 0.3;
    private int epochs = 5;
    private int maxEpochs = 10;
    private double learningRate = 1e-3;
    private int batch = 64;
    private long seed = 0x4F4D4C31L;
    private double jitter = 0.25;

    private Builder() {}

    public Builder cleanImages(int n) {
      this.cleanImages = n;
      return this;
    }

    public Builder keyShare(double share) {
      this.keyShare = share;
      return this;
    }

    public Builder epochs(int n) {
      this.epochs = n;
      return this;
    }

    public Builder maxEpochs(int n) {
      this.maxEpochs = n;
      return this;
    }

    public Builder learningRate(double rate) {
      this.learningRate = rate;
      return this;
    }

    public Builder batch(int n) {
      this.batch = n;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder jitter(double halfWidth) {
      this.jitter = halfWidth;
      return this;
    }

    /**
     * @throws FingerprintException naming the first value out of range
     */
    public FingerprintParameters build() {
      if (cleanImages < 1 || cleanImages > 1_000_000) {
        throw new FingerprintException("cleanImages must be between 1 and 1000000, got " + cleanImages);
      }
      if (!(keyShare > 0 && keyShare <= 0.5)) {
        throw new FingerprintException("keyShare must be in (0, 0.5], got " + keyShare);
      }
      if (epochs < 1 || epochs > 100) {
        throw new FingerprintException("epochs must be between 1 and 100, got " + epochs);
      }
      if (maxEpochs < epochs || maxEpochs > 100) {
        throw new FingerprintException("maxEpochs must be between epochs (" + epochs + ") and 100, got "
            + maxEpochs);
      }
      if (!(learningRate > 0 && learningRate <= 0.1)) {
        throw new FingerprintException("learningRate must be in (0, 0.1], got " + learningRate);
      }
      if (batch < 1 || batch > 4096) {
        throw new FingerprintException("batch must be between 1 and 4096, got " + batch);
      }
      if (!(jitter >= 0 && jitter <= 0.5)) {
        throw new FingerprintException("jitter must be in [0, 0.5], got " + jitter);
      }
      return new FingerprintParameters(this);
    }
  }
}
