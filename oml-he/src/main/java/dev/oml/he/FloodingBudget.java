package dev.oml.he;

import java.math.BigInteger;

/**
 * The noise budget of a circuit-private BFV answer. The answering party adds uniform smudging
 * noise of magnitude {@code B_flood = 2^ceil(log2(2^kappa * M * B_eval))}, where {@code M} is
 * the number of returned coefficients and {@code B_eval} a worst-case bound on the evaluation
 * noise computed from the operands' norms (so the bound never fails); each coefficient's
 * distribution then moves by at most {@code B_eval / B_flood}, and all of them together by at
 * most {@code 2^-kappa}, whatever the evaluated plaintext was. Correctness needs
 * {@code B_eval + B_flood + B_fresh < Delta / 2} with {@code Delta = Q / t}, and after the
 * answer is switched down to level {@link #answerLevel()} the scaled noise plus the rounding
 * noise must stay below the new {@code Delta / 2}; construction throws
 * {@link NoiseBudgetException} when either fails. All bounds are exact integers.
 *
 * <p>For CKKS ({@link #forCkks}) the same rule sizes the noise, with {@code M = N} (every
 * coefficient of the answer is returned) and {@code B_eval} a bound on how far the answer's
 * phase may be from the scaled exact result; correctness there is a matter of precision, which
 * the caller checks against its scale, so the budget only checks that the noise cannot wrap
 * the modulus at the answer's level.
 */
public final class FloodingBudget {
  /** Centered-binomial noise (eta = 21) is bounded by 21 with certainty. */
  public static final int FRESH_NOISE_BOUND = 21;

  private final int kappa;
  private final long coefficientCount;
  private final BigInteger evalBound;
  private final int floodBits;
  private final BigInteger freshBound;
  private final int answerLevel;

  private FloodingBudget(HeParameters p, int kappa, BigInteger evalBound, int level) {
    if (p.scheme() != HeScheme.CKKS) {
      throw new IncompatibleOperandsException("forCkks needs CKKS parameters");
    }
    if (kappa < 1 || kappa > 256 || evalBound.signum() < 0) {
      throw new IllegalArgumentException("kappa in [1, 256] and B_eval >= 0 required");
    }
    if (level < 0 || level > p.maxLevel()) {
      throw new IllegalArgumentException("level " + level + " outside [0, " + p.maxLevel() + "]");
    }
    int n = p.polyModulusDegree();
    this.kappa = kappa;
    this.coefficientCount = n;
    this.evalBound = evalBound;
    BigInteger x = evalBound.multiply(BigInteger.valueOf(n)).max(BigInteger.ONE);
    this.floodBits = kappa + x.subtract(BigInteger.ONE).bitLength();
    this.freshBound = BigInteger.valueOf((long) FRESH_NOISE_BOUND * (2L * n + 1) + 1);
    BigInteger total = evalBound.add(floodBound()).add(freshBound);
    if (total.shiftLeft(1).compareTo(p.modulusAtLevel(level)) >= 0) {
      throw new NoiseBudgetException("CKKS flooding noise of 2^" + floodBits + " (kappa = " + kappa
          + ") wraps the modulus at level " + level + " of " + p.name()
          + ": answer at a higher level or lower kappa");
    }
    this.answerLevel = level;
  }

  private FloodingBudget(HeParameters p, int kappa, long m, BigInteger evalBound) {
    if (p.scheme() != HeScheme.BFV) {
      throw new IncompatibleOperandsException("flooding budgets are defined here for BFV");
    }
    if (kappa < p.minimumKappa()) {
      throw new NoiseBudgetException(
          "kappa = " + kappa + " is below 40; only parameters marked insecure accept it");
    }
    if (kappa > 256 || m < 1 || evalBound.signum() < 0) {
      throw new IllegalArgumentException("kappa in [1, 256], m >= 1 and B_eval >= 0 required");
    }
    this.kappa = kappa;
    this.coefficientCount = m;
    this.evalBound = evalBound;
    BigInteger x = evalBound.multiply(BigInteger.valueOf(m)).max(BigInteger.ONE);
    this.floodBits = kappa + x.subtract(BigInteger.ONE).bitLength();
    int n = p.polyModulusDegree();
    this.freshBound = BigInteger.valueOf((long) FRESH_NOISE_BOUND * (2L * n + 1) + 1);
    BigInteger total = evalBound.add(floodBound()).add(freshBound);
    BigInteger twoT = BigInteger.valueOf(p.plainModulus()).shiftLeft(1);
    int top = p.maxLevel();
    BigInteger qTop = p.modulusAtLevel(top);
    if (twoT.multiply(total).compareTo(qTop) >= 0) {
      int missing = twoT.multiply(total).bitLength() - qTop.bitLength() + 1;
      throw new NoiseBudgetException(
          "B_eval + B_flood + B_fresh reaches Delta/2 for " + p.name() + " (kappa = " + kappa
              + ", " + m + " coefficients): about " + missing
              + " more modulus bits, a smaller plain modulus or a smaller workload are needed");
    }
    // The lowest level whose Delta/2 still covers the scaled noise plus rounding (<= N + 1).
    BigInteger round = BigInteger.valueOf(n + 1L);
    int level = top;
    for (int l = 0; l < top; l++) {
      BigInteger ql = p.modulusAtLevel(l);
      BigInteger lhs = twoT.multiply(total.multiply(ql).add(round.multiply(qTop)));
      if (lhs.compareTo(ql.multiply(qTop)) < 0) {
        level = l;
        break;
      }
    }
    this.answerLevel = level;
  }

  /** A budget for {@code m} returned coefficients whose evaluation noise is at most {@code bEval}. */
  public static FloodingBudget of(HeParameters p, int kappa, long m, BigInteger bEval) {
    return new FloodingBudget(p, kappa, m, bEval);
  }

  /**
   * The budget of the coefficient-encoded matrix-vector product: each returned coefficient sums
   * {@code inputCiphertexts} products of a fresh symmetric encryption (noise at most 21, plus
   * at most 1/2 from rounding {@code q*m/t}) with a plaintext whose {@code N} coefficients are
   * centered, at most {@code t/2}; {@code M = outputCiphertexts * N}.
   */
  public static FloodingBudget forMatVec(
      HeParameters p, int inputCiphertexts, int outputCiphertexts, int kappa) {
    if (p.scheme() != HeScheme.BFV) {
      throw new IncompatibleOperandsException("the matrix-vector product needs BFV");
    }
    long n = p.polyModulusDegree();
    BigInteger halfT = BigInteger.valueOf(p.plainModulus()).add(BigInteger.ONE).shiftRight(1);
    BigInteger bEval = halfT.multiply(BigInteger.valueOf(n * inputCiphertexts))
        .multiply(BigInteger.valueOf(FRESH_NOISE_BOUND + 1));
    return new FloodingBudget(p, kappa, (long) outputCiphertexts * n, bEval);
  }

  /**
   * The budget of a CKKS answer at {@code level}: all {@code N} coefficients are returned, each at
   * most {@code bEval} away from the scaled exact result; flooding is uniform of
   * {@code 2^(kappa + ceil(log2(N * bEval)))}. Unlike the BFV budgets this one does not impose
   * {@code kappa >= 40}: at useful CKKS precision that is out of reach of 128-bit parameters at
   * {@code N <= 16384}, so the caller states and checks the {@code kappa} it can afford.
   *
   * @throws NoiseBudgetException if the noise could wrap the modulus at {@code level}
   */
  public static FloodingBudget forCkks(HeParameters p, int kappa, BigInteger bEval, int level) {
    return new FloodingBudget(p, kappa, bEval, level);
  }

  public int kappa() {
    return kappa;
  }

  /** {@code M}, the number of coefficients the budget covers. */
  public long coefficientCount() {
    return coefficientCount;
  }

  public BigInteger evalBound() {
    return evalBound;
  }

  /** {@code log2 B_flood}; smudging noise is uniform in {@code [-B_flood, B_flood)}. */
  public int floodBits() {
    return floodBits;
  }

  public BigInteger floodBound() {
    return BigInteger.ONE.shiftLeft(floodBits);
  }

  public BigInteger freshBound() {
    return freshBound;
  }

  /** Lowest level to which a flooded answer can be switched and still decrypt exactly. */
  public int answerLevel() {
    return answerLevel;
  }

  @Override
  public String toString() {
    return "FloodingBudget[kappa=" + kappa + ", M=" + coefficientCount + ", log2 B_eval="
        + evalBound.bitLength() + ", log2 B_flood=" + floodBits + ", answerLevel=" + answerLevel
        + "]";
  }
}
