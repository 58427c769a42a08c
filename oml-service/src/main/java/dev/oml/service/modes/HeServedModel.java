package dev.oml.service.modes;

import dev.oml.core.model.Model;
import dev.oml.core.model.ModelContentHash;
import dev.oml.he.inference.HePacking;
import dev.oml.he.inference.HePlanOptions;
import dev.oml.service.InvalidConfigException;
import java.util.Objects;

/**
 * A network the owner serves in the HE mode, in the clear, with the plan the owner sets for it
 * where it serves it: the flooding parameter {@code kappa}, the absolute precision {@code
 * 2^-precisionBits} of the answer's logits, and the ring degree {@code N} (16384 or 32768 at
 * 128-bit security; the ring's {@code N/2} slots decide how many images one ciphertext packs),
 * the packings it serves it in ({@link HePackingPolicy}: rows, batch, or both), and whether the
 * rows plan asks for hoisted rotation keys.
 * Every licensee whose key share was made from this network (same {@link ModelContentHash}) is
 * served by one compilation of it. Immutable; checked when made.
 *
 * @param model the network, with its weights
 * @param kappa the flooding's statistical parameter, 1..128 (see docs/SECURITY.md)
 * @param precisionBits the answer's logits to within {@code 2^-precisionBits}, 0..30
 * @param ringDegree the ring degree {@code N}
 * @param insecureRingForTesting true only in tests: a ring below 128-bit security
 * @param packing the packings served (each its own compiled plan, with the settings above)
 * @param hoistedRotations true if the rows plan uses a rotation key per baby step, so that a
 *     group's baby steps share one decomposition ({@link HePlanOptions#hoistedRotations()}):
 *     about a third less owner time per ciphertext for about three times the session keys'
 *     bytes; the batch plan has no rotations and ignores it
 */
public record HeServedModel(Model model, int kappa, int precisionBits, int ringDegree,
    boolean insecureRingForTesting, HePackingPolicy packing, boolean hoistedRotations) {
  /** The default ring degree (128-bit security). */
  public static final int DEFAULT_RING_DEGREE = 16384;

  /**
   * Checks the plan settings.
   *
   * @throws InvalidConfigException naming the setting that is out of range
   */
  public HeServedModel {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(packing, "packing");
    for (HePacking p : packing.packings()) {
      options(model, kappa, precisionBits, ringDegree, insecureRingForTesting, hoistedRotations,
          null, p);
    }
  }

  /**
   * {@code model} with the default plan: kappa {@value ModeServices#HE_KAPPA}, precision
   * {@value ModeServices#HE_PRECISION_BITS} bits, {@code N = 16384}, the rows packing with
   * chained rotation keys.
   */
  public static HeServedModel of(Model model) {
    return new HeServedModel(model, ModeServices.HE_KAPPA, ModeServices.HE_PRECISION_BITS,
        DEFAULT_RING_DEGREE, false, HePackingPolicy.ROWS, false);
  }

  /** The same with another kappa. */
  public HeServedModel withKappa(int k) {
    return new HeServedModel(model, k, precisionBits, ringDegree, insecureRingForTesting,
        packing, hoistedRotations);
  }

  /** The same with another answer precision. */
  public HeServedModel withPrecisionBits(int bits) {
    return new HeServedModel(model, kappa, bits, ringDegree, insecureRingForTesting, packing,
        hoistedRotations);
  }

  /** The same with another ring degree at 128-bit security (16384 or 32768). */
  public HeServedModel withRingDegree(int n) {
    return new HeServedModel(model, kappa, precisionBits, n, false, packing, hoistedRotations);
  }

  /** The same at an INSECURE ring of degree {@code n}: for fast tests only. */
  public HeServedModel insecureRingForTesting(int n) {
    return new HeServedModel(model, kappa, precisionBits, n, true, packing, hoistedRotations);
  }

  /** The same served in other packings. */
  public HeServedModel withPacking(HePackingPolicy p) {
    return new HeServedModel(model, kappa, precisionBits, ringDegree, insecureRingForTesting, p,
        hoistedRotations);
  }

  /**
   * The same with hoisted rotation keys in the rows plan ({@code true}) or the default chained
   * keys ({@code false}).
   */
  public HeServedModel withHoistedRotations(boolean on) {
    return new HeServedModel(model, kappa, precisionBits, ringDegree, insecureRingForTesting,
        packing, on);
  }

  /** The content hash the key shares of this network carry. */
  public ModelContentHash contentHash() {
    return ModelContentHash.of(model);
  }

  /**
   * The HE compiler's options for this network's plan in the first packing it is served in (the
   * rows packing where it is served in both).
   *
   * @param calibration raw inputs, as clients feed them, or null
   * @throws InvalidConfigException if a setting is out of range
   */
  public HePlanOptions options(double[][] calibration) {
    return options(calibration, packing.packings().get(0));
  }

  /**
   * The HE compiler's options for this network's plan in {@code p}.
   *
   * @param calibration raw inputs, as clients feed them, that bound the noise estimate (each is
   *     put through the model's declared preprocessing first, as a client's query is), or null
   * @throws InvalidConfigException if a setting is out of range
   */
  public HePlanOptions options(double[][] calibration, HePacking p) {
    double[][] inputs = calibration;
    if (calibration != null && model.preprocessing().isPresent()) {
      inputs = new double[calibration.length][];
      for (int i = 0; i < inputs.length; i++) {
        inputs[i] = model.preprocess(calibration[i]);
      }
    }
    return options(model, kappa, precisionBits, ringDegree, insecureRingForTesting,
        hoistedRotations, inputs, p);
  }

  private static HePlanOptions options(Model model, int kappa, int precisionBits, int ringDegree,
      boolean insecureRingForTesting, boolean hoisted, double[][] calibration,
      HePacking packing) {
    HePlanOptions.Builder b = HePlanOptions.builder().kappa(kappa)
        .answerPrecisionBits(precisionBits).packing(packing)
        .hoistedRotations(hoisted && packing == HePacking.ROWS);
    if (insecureRingForTesting) {
      b.insecureRingForTesting(ringDegree);
    } else if (ringDegree != DEFAULT_RING_DEGREE) {
      if (ringDegree != 32768) {
        throw new InvalidConfigException("HE model '" + model.name() + "': the ring degree must be"
            + " 16384 or 32768 at 128-bit security, got " + ringDegree);
      }
      b.ringDegree(ringDegree);
    }
    if (calibration != null) {
      b.calibration(calibration);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException("HE model '" + model.name() + "': " + e.getMessage());
    }
  }
}
