package dev.oml.he.inference;

import dev.oml.core.model.InputBox;
import dev.oml.core.model.ModelValidationException;
import dev.oml.core.omlize.ModelId;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.HeException;
import dev.oml.he.inference.internal.Msg;
import java.util.HexFormat;

/**
 * The public half of a compiled HE model, which the owner sends to each user at the start of a
 * session: the CKKS parameters (ring degree, every prime), the slot layout (features per image,
 * images per ciphertext), the input scale, the rotations and keys the evaluation needs, the
 * flooding figures ({@code kappa}, {@code log2 sigma} of the Gaussian flood), the error bound and
 * the estimate beside it, the input box the user's inputs must lie in, and the model id that
 * permissions name.
 * It reveals the architecture's sizes and depth, never weights. {@link #planId()} is the hash of
 * its encoding; keys and queries carry it so that both sides agree on everything.
 */
public final class HeInferencePlan {
  static final String MAGIC = "OHP2";
  /** Plans of the {@link HePacking#BATCH} packing: the OHP2 fields, then the packing's code. */
  static final String MAGIC_PACKED = "OHP3";
  /** Largest input size of a batch plan (its query carries one ciphertext per input). */
  static final int MAX_BATCH_FEATURES = 1 << 14;

  private final byte[] modelId;
  private final HeParameters parameters;
  private final int features;
  private final int lanes;
  private final int inputSize;
  private final int outputSize;
  private final double inputScale;
  private final int[] rotationSteps;
  private final boolean needsRelin;
  private final boolean conjugation;
  private final int kappa;
  private final int floodBits;
  private final int answerLevel;
  private final double estimatedError;
  private final double evaluationEstimate;
  private final InputBox inputBox;
  private final HePacking packing;
  private final byte[] encoded;
  private final byte[] planId;

  HeInferencePlan(byte[] modelId, HeParameters parameters, int features, int lanes,
      int inputSize, int outputSize, double inputScale, int[] rotationSteps, boolean needsRelin,
      boolean conjugation, int kappa, int floodBits, int answerLevel, double estimatedError,
      double evaluationEstimate, InputBox inputBox, HePacking packing) {
    if (inputBox.size() != inputSize) {
      throw new IllegalArgumentException("input box of " + inputBox.size() + " features, input of "
          + inputSize);
    }
    this.evaluationEstimate = evaluationEstimate;
    this.packing = packing;
    this.inputBox = inputBox;
    this.conjugation = conjugation;
    this.modelId = modelId.clone();
    this.parameters = parameters;
    this.features = features;
    this.lanes = lanes;
    this.inputSize = inputSize;
    this.outputSize = outputSize;
    this.inputScale = inputScale;
    this.rotationSteps = rotationSteps.clone();
    this.needsRelin = needsRelin;
    this.kappa = kappa;
    this.floodBits = floodBits;
    this.answerLevel = answerLevel;
    this.estimatedError = estimatedError;
    // Row plans keep their OHP2 encoding (and so their plan ids); other packings are OHP3.
    Msg.Out o = new Msg.Out().magic(packing == HePacking.ROWS ? MAGIC : MAGIC_PACKED)
        .raw(this.modelId)
        .i32(parameters.polyModulusDegree()).i32(parameters.isInsecure() ? 1 : 0)
        .i32(parameters.coeffModulusCount());
    for (long p : parameters.coeffModulus()) {
      o.i64(p);
    }
    o.i64(parameters.specialPrime()).i32(features).i32(lanes).i32(inputSize).i32(outputSize)
        .f64(inputScale).i32(rotationSteps.length);
    for (int r : rotationSteps) {
      o.i32(r);
    }
    o.i32(needsRelin ? 1 : 0).i32(conjugation ? 1 : 0).i32(kappa).i32(floodBits)
        .i32(answerLevel).f64(estimatedError).f64(evaluationEstimate);
    if (inputBox.isUniform()) {
      o.i32(1).f64(inputBox.lower(0)).f64(inputBox.upper(0));
    } else {
      o.i32(2);
      for (int i = 0; i < inputSize; i++) {
        o.f64(inputBox.lower(i)).f64(inputBox.upper(i));
      }
    }
    if (packing != HePacking.ROWS) {
      o.i32(packing.code());
    }
    this.encoded = o.bytes();
    this.planId = Msg.sha256(encoded);
  }

  /**
   * Reads a plan sent by the owner and rebuilds its parameters.
   *
   * @throws MalformedQueryException if the bytes are not a plan, or describe parameters that
   *     this library refuses
   */
  public static HeInferencePlan decode(byte[] bytes) {
    Msg.In in = new Msg.In(bytes, "HE plan");
    boolean packed = bytes.length >= 4 && bytes[3] == '3';
    in.magic(packed ? MAGIC_PACKED : MAGIC);
    byte[] model = in.raw(ModelId.BYTES, "model id");
    int n = in.i32("ring degree");
    boolean insecure = in.i32("insecure flag") != 0;
    int k = in.i32("prime count");
    if (k < 2 || k > 64) {
      throw new MalformedQueryException("HE plan: " + k + " primes");
    }
    long[] primes = new long[k];
    for (int i = 0; i < k; i++) {
      primes[i] = in.i64("prime");
    }
    long special = in.i64("special prime");
    int features = in.i32("features");
    int lanes = in.i32("lanes");
    int inputSize = in.i32("input size");
    int outputSize = in.i32("output size");
    double scale = in.f64("input scale");
    int r = in.i32("rotation count");
    if (r < 0 || r > 64) {
      throw new MalformedQueryException("HE plan: " + r + " rotations");
    }
    int[] rot = new int[r];
    for (int i = 0; i < r; i++) {
      rot[i] = in.i32("rotation");
    }
    boolean relin = in.i32("relin flag") != 0;
    boolean conj = in.i32("conjugation flag") != 0;
    int kappa = in.i32("kappa");
    int flood = in.i32("flood bits");
    int answerLevel = in.i32("answer level");
    double err = in.f64("estimated error");
    double estimate = in.f64("evaluation estimate");
    int boxKind = in.i32("input box kind");
    // A row plan holds an image in one ciphertext; a batch plan sends one ciphertext per
    // feature, bounded here so that a plan cannot name an unbounded query.
    if (inputSize < 1 || inputSize > (packed ? MAX_BATCH_FEATURES : n / 2)) {
      throw new MalformedQueryException("HE plan: input size " + inputSize);
    }
    double[] lo = new double[inputSize];
    double[] hi = new double[inputSize];
    if (boxKind == 1) {
      java.util.Arrays.fill(lo, in.f64("input box lower bound"));
      java.util.Arrays.fill(hi, in.f64("input box upper bound"));
    } else if (boxKind == 2) {
      for (int i = 0; i < inputSize; i++) {
        lo[i] = in.f64("input box lower bound");
        hi[i] = in.f64("input box upper bound");
      }
    } else {
      throw new MalformedQueryException("HE plan: input box kind " + boxKind);
    }
    HePacking packing = HePacking.ROWS;
    if (packed) {
      int code = in.i32("packing");
      packing = HePacking.ofCode(code);
      if (packing == null || packing == HePacking.ROWS) {
        throw new MalformedQueryException("HE plan: packing " + code + " is not one this "
            + "library knows in an OHP3 plan");
      }
    }
    in.end();
    InputBox box;
    try {
      box = InputBox.of(lo, hi);
    } catch (ModelValidationException e) {
      throw new MalformedQueryException("HE plan: " + e.getMessage(), e);
    }
    HeParameters p;
    try {
      HeParameters.Builder b = HeParameters.builder(HeScheme.CKKS).polyModulusDegree(n)
          .coeffModulus(primes).specialPrime(special);
      if (insecure) {
        b.insecureForTesting();
      }
      p = b.build();
    } catch (HeException | IllegalArgumentException e) {
      throw new MalformedQueryException("HE plan: its parameters are refused: " + e.getMessage(), e);
    }
    boolean layout = packing == HePacking.BATCH
        ? lanes == n && r == 0 && features == 1 && scale < 0x1p62
        : features >= 1 && lanes >= 1 && (long) features * lanes == n / 2 && inputSize <= features
            && outputSize <= features;
    if (!layout || inputSize < 1 || outputSize < 1 || outputSize > MAX_BATCH_FEATURES
        || !(scale >= 1.0 && Math.getExponent(scale)
            < p.modulusAtLevel(p.maxLevel()).bitLength() - 2)
        || answerLevel < 0 || answerLevel > p.maxLevel()) {
      throw new MalformedQueryException("HE plan: inconsistent layout or scale");
    }
    return new HeInferencePlan(model, p, features, lanes, inputSize, outputSize, scale, rot, relin,
        conj, kappa, flood, answerLevel, err, estimate, box, packing);
  }

  /** The same plan for another model id (a licensee's copy of the same network). */
  HeInferencePlan withModelId(ModelId id) {
    return new HeInferencePlan(id.bytes(), parameters, features, lanes, inputSize, outputSize,
        inputScale, rotationSteps, needsRelin, conjugation, kappa, floodBits, answerLevel,
        estimatedError, evaluationEstimate, inputBox, packing);
  }

  public byte[] encode() {
    return encoded.clone();
  }

  /** SHA-256 of {@link #encode()}. */
  public byte[] planId() {
    return planId.clone();
  }

  public ModelId modelId() {
    return ModelId.of(modelId);
  }

  public HeParameters parameters() {
    return parameters;
  }

  /** A context for this plan's parameters on {@code backend}. */
  public HeContext context(HeBackend backend) {
    return backend.createContext(parameters);
  }

  /** How the plan packs images into ciphertexts. */
  public HePacking packing() {
    return packing;
  }

  /** Feature positions per image (a power of two; 1 in the batch packing). */
  public int features() {
    return features;
  }

  /**
   * Images per ciphertext: in the batch packing, {@code N} (two per slot, in its real and
   * imaginary parts), the most a query can carry (every ciphertext of a query then holds one
   * feature of every image).
   */
  public int imagesPerCiphertext() {
    return lanes;
  }

  public int inputSize() {
    return inputSize;
  }

  /** Number of logits per image. */
  public int outputSize() {
    return outputSize;
  }

  public double inputScale() {
    return inputScale;
  }

  /** Slot rotations the user must provide Galois keys for. */
  public int[] rotationSteps() {
    return rotationSteps.clone();
  }

  public boolean needsRelinKeys() {
    return needsRelin;
  }

  /** True if the user must add a conjugation key (the owner keeps only real parts of inputs). */
  public boolean needsConjugationKey() {
    return conjugation;
  }

  /** Flooding's statistical parameter, or 0 for a measurement plan without flooding. */
  public int kappa() {
    return kappa;
  }

  /** {@code ceil(log2 sigma)} of the Gaussian flood, or 0 without flooding. */
  public int floodBits() {
    return floodBits;
  }

  public boolean flooded() {
    return floodBits > 0;
  }

  /** Level of the answer ciphertexts. */
  public int answerLevel() {
    return answerLevel;
  }

  /**
   * The bound on the answer's absolute error per logit, rounded up to a power of two: the
   * evaluation error at its worst case over the input box, plus re-randomization and flooding
   * (whose random parts at ten standard deviations).
   */
  public double estimatedError() {
    return estimatedError;
  }

  /**
   * The owner's estimate of the evaluation error alone on its calibration inputs, rounded up to
   * a power of two (0 if it gave none): reported beside the bound, never used to size the flood.
   */
  public double evaluationEstimate() {
    return evaluationEstimate;
  }

  /** The domain every input must lie in; the client refuses others before encrypting. */
  public InputBox inputBox() {
    return inputBox;
  }

  /** Ciphertexts a query for {@code images} images carries. */
  public int ciphertextsFor(int images) {
    if (packing == HePacking.BATCH) {
      return inputSize;
    }
    return (images + lanes - 1) / lanes;
  }

  @Override
  public String toString() {
    return "HeInferencePlan[" + parameters.name() + ", " + packing + " packing, " + lanes
        + " images/ciphertext, "
        + features + " features, scale 2^" + Math.round(Math.log(inputScale) / Math.log(2))
        + ", " + rotationSteps.length + " rotation keys, kappa=" + kappa + ", log2 B_flood="
        + floodBits + ", error bound " + String.format("%.3g", estimatedError) + " (evaluation "
        + "estimate " + String.format("%.3g", evaluationEstimate) + "), " + inputBox + ", id "
        + HexFormat.of().formatHex(planId, 0, 8) + "]";
  }
}
