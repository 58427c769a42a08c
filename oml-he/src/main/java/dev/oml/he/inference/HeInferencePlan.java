package dev.oml.he.inference;

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
 * flooding figures ({@code kappa}, {@code log2 B_flood}) and the model id that permissions name.
 * It reveals the architecture's sizes and depth, never weights. {@link #planId()} is the hash of
 * its encoding; keys and queries carry it so that both sides agree on everything.
 */
public final class HeInferencePlan {
  static final String MAGIC = "OHP1";

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
  private final byte[] encoded;
  private final byte[] planId;

  HeInferencePlan(byte[] modelId, HeParameters parameters, int features, int lanes,
      int inputSize, int outputSize, double inputScale, int[] rotationSteps, boolean needsRelin,
      boolean conjugation, int kappa, int floodBits, int answerLevel, double estimatedError) {
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
    Msg.Out o = new Msg.Out().magic(MAGIC).raw(this.modelId)
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
        .i32(answerLevel).f64(estimatedError);
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
    in.magic(MAGIC);
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
    in.end();
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
    if (features < 1 || lanes < 1 || (long) features * lanes != n / 2 || inputSize < 1
        || inputSize > features || outputSize < 1 || outputSize > features
        || !(scale >= 1.0 && scale < 0x1p62) || answerLevel < 0 || answerLevel > p.maxLevel()) {
      throw new MalformedQueryException("HE plan: inconsistent layout or scale");
    }
    return new HeInferencePlan(model, p, features, lanes, inputSize, outputSize, scale, rot, relin,
        conj, kappa, flood, answerLevel, err);
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

  /** Feature positions per image (a power of two). */
  public int features() {
    return features;
  }

  /** Images per ciphertext. */
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

  /** {@code log2 B_flood}, or 0 without flooding. */
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
   * The owner's estimate of the answer's absolute error per logit, flooding included, rounded up
   * to a power of two.
   */
  public double estimatedError() {
    return estimatedError;
  }

  /** Ciphertexts a query for {@code images} images carries. */
  public int ciphertextsFor(int images) {
    return (images + lanes - 1) / lanes;
  }

  @Override
  public String toString() {
    return "HeInferencePlan[" + parameters.name() + ", " + lanes + " images/ciphertext, "
        + features + " features, scale 2^" + Math.round(Math.log(inputScale) / Math.log(2))
        + ", " + rotationSteps.length + " rotation keys, kappa=" + kappa + ", log2 B_flood="
        + floodBits + ", est. error " + String.format("%.3g", estimatedError) + ", id "
        + HexFormat.of().formatHex(planId, 0, 8) + "]";
  }
}
