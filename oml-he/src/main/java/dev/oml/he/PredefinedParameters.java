package dev.oml.he;

/**
 * Vetted parameter sets within the Homomorphic Encryption Standard's 128-bit bounds (ternary
 * secret, classical attacks: {@code log2 Q <= 109, 218, 438} for {@code N = 4096, 8192, 16384},
 * special prime included). The sets for the two-party linear layers also carry a circuit-privacy
 * check at {@code kappa}, done when they are built.
 */
public final class PredefinedParameters {
  private PredefinedParameters() {}

  /** BFV, N = 4096, 109 bits (36 + 36 data, 37 special), batching t = 65537. */
  public static final HeParameters BFV_N4096_BATCHING = HeParameters.builder(HeScheme.BFV)
      .name("BFV-N4096-BATCHING").polyModulusDegree(4096).coeffModulusBits(36, 36)
      .specialPrimeBits(37).plainModulus(65537).encoding(BfvEncoding.BATCHING).build();

  /** BFV, N = 8192, 216 bits (3 x 54 data, 54 special), batching t = 65537. */
  public static final HeParameters BFV_N8192_BATCHING = HeParameters.builder(HeScheme.BFV)
      .name("BFV-N8192-BATCHING").polyModulusDegree(8192).coeffModulusBits(54, 54, 54)
      .specialPrimeBits(54).plainModulus(65537).encoding(BfvEncoding.BATCHING).build();

  /** CKKS, N = 8192, 200 bits: 60 + 2 x 40 data (depth 2 at scale 2^40), 60 special. */
  public static final HeParameters CKKS_N8192 = HeParameters.builder(HeScheme.CKKS)
      .name("CKKS-N8192").polyModulusDegree(8192).coeffModulusBits(60, 40, 40)
      .specialPrimeBits(60).build();

  /** CKKS, N = 16384, 400 bits: 60 + 7 x 40 data (depth 7 at scale 2^40), 60 special. */
  public static final HeParameters CKKS_N16384 = HeParameters.builder(HeScheme.CKKS)
      .name("CKKS-N16384").polyModulusDegree(16384)
      .coeffModulusBits(60, 40, 40, 40, 40, 40, 40, 40).specialPrimeBits(60).build();

  /**
   * BFV for the two-party linear layers: N = 8192, 216 bits (60 + 3 x 52, no special prime:
   * the product needs no key switching), {@code t = 2^l} with coefficient encoding, checked at
   * build time to flood answers of up to 8 query and 16 answer ciphertexts at {@code kappa}.
   */
  public static HeParameters bfvTwoParty(int l, int kappa) {
    return HeParameters.builder(HeScheme.BFV).name("BFV-2PC-N8192-L" + l + "-K" + kappa)
        .polyModulusDegree(8192).coeffModulusBits(60, 52, 52, 52).plainModulusPowerOfTwo(l)
        .circuitPrivacy(kappa, 8, 16).build();
  }

  /**
   * BFV for the tier-2 offline products over {@code F_p} ({@code p = PrimeField.P}, 46 bits,
   * {@code p = 1 mod 2^16}): N = 8192, 216 bits (60 + 3 x 52, within the standard's 218), plain
   * modulus {@code p} with coefficient encoding ({@code round(Q m / p)}, exact for a prime
   * {@code t}), checked at build time to flood answers of up to 8 summed tile products and 16
   * answer ciphertexts at {@code kappa}.
   */
  public static HeParameters bfvPrimeField(int kappa) {
    return HeParameters.builder(HeScheme.BFV).name("BFV-FP-N8192-K" + kappa)
        .polyModulusDegree(8192).coeffModulusBits(60, 52, 52, 52)
        .plainModulus(dev.oml.core.field.PrimeField.P).encoding(BfvEncoding.COEFFICIENT)
        .circuitPrivacy(kappa, 8, 16).build();
  }
}
