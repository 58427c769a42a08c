package dev.oml.he.conformance;

import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;

/** INSECURE parameter sets for fast tests; never use them outside tests. */
public final class TestParameters {
  private TestParameters() {}

  /** BFV batching, N = 1024, two 50-bit data primes, a 51-bit special prime, 20-bit t. */
  public static final HeParameters INSECURE_BFV_BATCHING = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(1024).coeffModulusBits(50, 50).specialPrimeBits(51)
      .batchingPlainModulusBits(20).insecureForTesting().name("INSECURE-BFV-BATCHING-N1024").build();

  /** BFV coefficient encoding, N = 1024, t = 2^20, three 50-bit primes. */
  public static final HeParameters INSECURE_BFV_COEFF = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(1024).coeffModulusBits(50, 50, 50).plainModulusPowerOfTwo(20)
      .insecureForTesting().name("INSECURE-BFV-COEFF-N1024-L20").build();

  /** CKKS, N = 2048: 60 + 4 x 40 data primes (depth 4 at scale 2^40), 60-bit special prime. */
  public static final HeParameters INSECURE_CKKS = HeParameters.builder(HeScheme.CKKS)
      .polyModulusDegree(2048).coeffModulusBits(60, 40, 40, 40, 40).specialPrimeBits(60)
      .insecureForTesting().name("INSECURE-CKKS-N2048").build();

  /**
   * For attacks and statistical tests: N = 256, one 60-bit prime (answers stay at the top level,
   * so an attacker sees exactly what the sender computed), t = 2^8; accepts small kappa.
   */
  public static final HeParameters INSECURE_BFV_TINY = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(256).coeffModulusBits(60).plainModulusPowerOfTwo(8)
      .insecureForTesting().name("INSECURE-BFV-TINY-N256-L8").build();
}
