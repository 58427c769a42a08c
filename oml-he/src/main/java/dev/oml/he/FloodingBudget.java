package dev.oml.he;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The noise budget of a circuit-private answer. The answering party adds uniform smudging
 * noise of magnitude {@code B_flood = 2^ceil(log2(2^kappa * M * B_eval))}, where {@code M} is
 * the number of returned coefficients and {@code B_eval} a worst-case bound on the evaluation
 * noise computed from the operands' norms (so the bound never fails); each coefficient's
 * distribution then moves by at most {@code B_eval / B_flood}, and all of them together by at
 * most {@code 2^-kappa}, whatever the evaluated plaintext was. Correctness needs
 * {@code B_eval + B_flood + B_fresh < Delta / 2} with {@code Delta = Q / t}, and after the
 * answer is switched down to level {@link #answerLevel()} the scaled noise plus the rounding
 * noise must stay below the new {@code Delta / 2}; construction throws
 * {@link NoiseBudgetException} when either fails. All bounds are exact integers. For CKKS
 * ({@link #forCkks}) the same flood is sized and the check is instead that the final scale
 * leaves the wanted precision above all the noise.
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
  private int compactBits;

  private final HeScheme scheme;
  private final String parameterId;
  private boolean statedBelowMinimum;
  /** Standard deviation of Gaussian flooding, or 0 for uniform flooding. */
  private double gaussianSigma;

  private FloodingBudget(HeParameters p, int kappa, long m, BigInteger evalBound,
      int answerLevel, int floodBits, BigInteger freshBound) {
    this.scheme = p.scheme();
    this.parameterId = p.parameterId();
    this.kappa = kappa;
    this.coefficientCount = m;
    this.evalBound = evalBound;
    this.floodBits = floodBits;
    this.freshBound = freshBound;
    this.answerLevel = answerLevel;
  }

  private static void checkKappa(HeParameters p, int kappa, long m, BigInteger evalBound) {
    if (kappa < p.minimumKappa()) {
      throw new NoiseBudgetException(
          "kappa = " + kappa + " is below 40; only parameters marked insecure accept it");
    }
    if (kappa > 256 || m < 1 || evalBound.signum() < 0) {
      throw new IllegalArgumentException("kappa in [1, 256], m >= 1 and B_eval >= 0 required");
    }
  }

  /** {@code ceil(log2(2^kappa * m * B_eval))}. */
  private static int floodBits(int kappa, long m, BigInteger evalBound) {
    BigInteger x = evalBound.multiply(BigInteger.valueOf(m)).max(BigInteger.ONE);
    return kappa + x.subtract(BigInteger.ONE).bitLength();
  }

  private static BigInteger freshBound(HeParameters p) {
    return BigInteger.valueOf((long) FRESH_NOISE_BOUND * (2L * p.polyModulusDegree() + 1) + 1);
  }

  private static FloodingBudget bfv(HeParameters p, int kappa, long m, BigInteger evalBound) {
    return bfv(p, kappa, m, evalBound, p.maxLevel());
  }

  /** The budget of an answer computed at {@code top} (the level of the operands). */
  private static FloodingBudget bfv(HeParameters p, int kappa, long m, BigInteger evalBound,
      int top) {
    if (p.scheme() != HeScheme.BFV) {
      throw new IncompatibleOperandsException("this budget is for BFV; use forCkks for CKKS");
    }
    checkKappa(p, kappa, m, evalBound);
    int floodBits = floodBits(kappa, m, evalBound);
    int n = p.polyModulusDegree();
    BigInteger freshBound = freshBound(p);
    BigInteger total = evalBound.add(BigInteger.ONE.shiftLeft(floodBits)).add(freshBound);
    BigInteger twoT = BigInteger.valueOf(p.plainModulus()).shiftLeft(1);
    if (top < 0 || top > p.maxLevel()) {
      throw new IllegalArgumentException("level " + top + " outside [0, " + p.maxLevel() + "]");
    }
    BigInteger qTop = p.modulusAtLevel(top);
    if (twoT.multiply(total).compareTo(qTop) >= 0) {
      int missing = twoT.multiply(total).bitLength() - qTop.bitLength() + 1;
      throw new NoiseBudgetException(
          "B_eval + B_flood + B_fresh reaches Delta/2 for " + p.name() + " at level " + top
              + " (kappa = " + kappa
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
    FloodingBudget b = new FloodingBudget(p, kappa, m, evalBound, level, floodBits, freshBound);
    b.compactBits = compactBits(p, total, twoT, qTop, top);
    return b;
  }

  /**
   * The smallest {@code b <= 63} such that the flooded answer (at level {@code top}), switched to
   * {@code 2^b} coefficient by coefficient with an error of at most
   * {@code e = 1/2 + sum(q_i) / 2^64} per coefficient (the word-arithmetic switch of
   * {@link CompactAnswer}), still decrypts exactly: the scaled noise {@code total 2^b / Q} plus
   * the switch's {@code e (1 + ||s||_1) <= e (N + 1)} for a ternary key stays below
   * {@code 2^b / (2t)}; 0 if none does.
   */
  private static int compactBits(HeParameters p, BigInteger total, BigInteger twoT,
      BigInteger qTop, int top) {
    BigInteger sumQ = BigInteger.ZERO;
    for (int i = 0; i <= top; i++) {
      sumQ = sumQ.add(BigInteger.valueOf(p.coeffModulus()[i]));
    }
    // e * 2^64 = 2^63 + sum(q_i)
    BigInteger e64 = BigInteger.ONE.shiftLeft(63).add(sumQ);
    BigInteger nPlusOne = BigInteger.valueOf(p.polyModulusDegree() + 1L);
    for (int b = 1; b <= 63; b++) {
      // 2t (total 2^b 2^64 + e64 (N + 1) Q) < 2^b 2^64 Q
      BigInteger lhs = twoT.multiply(total.shiftLeft(b + 64).add(e64.multiply(nPlusOne)
          .multiply(qTop)));
      if (lhs.compareTo(qTop.shiftLeft(b + 64)) < 0) {
        return b;
      }
    }
    return 0;
  }

  /** A budget for {@code m} returned coefficients whose evaluation noise is at most {@code bEval}. */
  public static FloodingBudget of(HeParameters p, int kappa, long m, BigInteger bEval) {
    return bfv(p, kappa, m, bEval);
  }

  /**
   * A CKKS budget for a ciphertext at {@code level} with {@code scale} whose evaluation noise is
   * at most {@code bEval} per coefficient: it refuses (with {@link NoiseBudgetException}) unless
   * the worst-case slot error of all the noise, {@code N (B_eval + B_flood + B_fresh) / scale},
   * stays below {@code 2^-precisionBits}, and the noise stays below a quarter of the level's
   * modulus. Messages are approximate in CKKS, so the answer keeps its level.
   */
  public static FloodingBudget forCkks(HeParameters p, int kappa, long m, BigInteger bEval,
      int level, double scale, int precisionBits) {
    if (p.scheme() != HeScheme.CKKS) {
      throw new IncompatibleOperandsException("forCkks needs CKKS parameters");
    }
    if (level < 0 || level > p.maxLevel() || !(scale >= 1) || precisionBits < 0) {
      throw new IllegalArgumentException("level in range, scale >= 1, precisionBits >= 0");
    }
    checkKappa(p, kappa, m, bEval);
    int floodBits = floodBits(kappa, m, bEval);
    BigInteger fresh = freshBound(p);
    BigInteger total = bEval.add(BigInteger.ONE.shiftLeft(floodBits)).add(fresh);
    java.math.BigDecimal err = new java.math.BigDecimal(
        total.multiply(BigInteger.valueOf(p.polyModulusDegree())).shiftLeft(precisionBits));
    if (err.compareTo(new java.math.BigDecimal(scale)) > 0) {
      throw new NoiseBudgetException(
          "flooding for kappa = " + kappa + " leaves fewer than " + precisionBits
              + " bits of precision at scale 2^" + Math.getExponent(scale)
              + ": raise the final scale (more modulus bits, N = 16384) or lower the precision");
    }
    if (total.shiftLeft(2).compareTo(p.modulusAtLevel(level)) >= 0) {
      throw new NoiseBudgetException("flooding noise reaches the modulus at level " + level);
    }
    return new FloodingBudget(p, kappa, m, bEval, level, floodBits, fresh);
  }

  /**
   * A CKKS budget whose caller states the {@code kappa} it can afford, for the HE inference mode:
   * uniform flooding of {@code 2^(kappa + ceil(log2(N * bEval)))} for all {@code N} coefficients
   * at {@code level}, where {@code bEval} is the caller's (estimated) coefficient bound of the
   * evaluation noise. Unlike {@link #forCkks} it accepts {@code kappa < 40} on secure parameters
   * and leaves the precision check to the caller: at the precision a network's logits need, a
   * statistical distance of {@code 2^-40} is out of reach of 128-bit parameters at
   * {@code N <= 16384} (see docs/he-inference.md), so the inference mode documents and reports the
   * kappa it runs at instead of refusing to run. Only checks that the noise cannot wrap the
   * modulus at {@code level}.
   */
  public static FloodingBudget forCkksStatedKappa(HeParameters p, int kappa, BigInteger bEval,
      int level) {
    if (p.scheme() != HeScheme.CKKS) {
      throw new IncompatibleOperandsException("forCkksStatedKappa needs CKKS parameters");
    }
    if (kappa < 1 || kappa > 256 || bEval.signum() < 0 || level < 0 || level > p.maxLevel()) {
      throw new IllegalArgumentException("kappa in [1, 256], B_eval >= 0, level in range");
    }
    long m = p.polyModulusDegree();
    int floodBits = floodBits(kappa, m, bEval);
    BigInteger fresh = freshBound(p);
    BigInteger total = bEval.add(BigInteger.ONE.shiftLeft(floodBits)).add(fresh);
    if (total.shiftLeft(2).compareTo(p.modulusAtLevel(level)) >= 0) {
      throw new NoiseBudgetException("CKKS flooding noise of 2^" + floodBits + " (kappa = " + kappa
          + ") reaches the modulus at level " + level + " of " + p.name());
    }
    FloodingBudget b = new FloodingBudget(p, kappa, m, bEval, level, floodBits, fresh);
    b.statedBelowMinimum = kappa < p.minimumKappa();
    return b;
  }

  /**
   * Largest flooding standard deviation the samplers draw exactly enough (see {@link
   * #forCkksGaussian}): one rounded Gaussian up to {@code 2^48}, in parts above
   * ({@code GaussianFlood.sampleWide}, one more per 45 bits).
   */
  public static final double MAX_GAUSSIAN_SIGMA = 0x1p183;

  /**
   * A CKKS budget with Gaussian flooding for the HE inference mode: every coefficient of the
   * answer's first component gets an independent (rounded) Gaussian of standard deviation
   * {@code sigma = 2^kappa * l2Bound}, where {@code l2Bound} bounds the Euclidean norm of the
   * evaluation noise's coefficient vector (in integer units at the answer's scale). Two answers
   * whose evaluation noises differ by {@code d} are then {@code ||d||_2^2 / (2 sigma^2)} apart in
   * Kullback-Leibler divergence, so at most {@code ||d||_2 / (2 sigma)} in statistical distance
   * (Pinsker), which is at most {@code 2^-kappa} since {@code ||d||_2 <= 2 l2Bound}; rounding
   * both is a post-processing and cannot widen it. The
   * caller states the kappa it can afford (secure parameters accept {@code kappa < 40} here, as
   * in {@link #forCkksStatedKappa}) and checks precision itself; this checks that the noise
   * cannot wrap the modulus at {@code level} and that {@code sigma} is at most
   * {@link #MAX_GAUSSIAN_SIGMA}, above which the double-precision sampler is no longer fine
   * enough. {@link #floodBits()} is then {@code ceil(log2 sigma)}.
   */
  public static FloodingBudget forCkksGaussian(HeParameters p, int kappa, double l2Bound,
      int level) {
    if (p.scheme() != HeScheme.CKKS) {
      throw new IncompatibleOperandsException("forCkksGaussian needs CKKS parameters");
    }
    if (kappa < 1 || kappa > 256 || !(l2Bound >= 0) || Double.isInfinite(l2Bound) || level < 0
        || level > p.maxLevel()) {
      throw new IllegalArgumentException("kappa in [1, 256], finite l2Bound >= 0, level in range");
    }
    double sigma = Math.max(1.0, Math.scalb(l2Bound, kappa));
    if (sigma > MAX_GAUSSIAN_SIGMA) {
      throw new NoiseBudgetException("Gaussian flooding for kappa = " + kappa + " needs a standard "
          + "deviation of 2^" + Math.getExponent(sigma) + ", above the sampler's 2^"
          + Math.getExponent(MAX_GAUSSIAN_SIGMA) + ": lower kappa or the evaluation noise");
    }
    int floodBits = Math.getExponent(sigma) + (sigma == Math.scalb(1.0, Math.getExponent(sigma))
        ? 0 : 1);
    BigInteger fresh = freshBound(p);
    // 40 standard deviations: the Gaussian exceeds them with probability below 2^-1150 (plus
    // the wide sampler's uniforms above 2^48, far inside one of them).
    BigInteger tail = new BigDecimal(sigma * 41).toBigInteger();
    BigInteger l2 = new BigDecimal(l2Bound).toBigInteger().add(BigInteger.ONE);
    BigInteger total = l2.add(tail).add(fresh);
    if (total.shiftLeft(2).compareTo(p.modulusAtLevel(level)) >= 0) {
      throw new NoiseBudgetException("Gaussian flooding of standard deviation 2^" + floodBits
          + " (kappa = " + kappa + ") reaches the modulus at level " + level + " of " + p.name());
    }
    FloodingBudget b = new FloodingBudget(p, kappa, p.polyModulusDegree(), l2, level, floodBits,
        fresh);
    b.statedBelowMinimum = kappa < p.minimumKappa();
    b.gaussianSigma = sigma;
    return b;
  }

  /** True if the flood is Gaussian ({@link #forCkksGaussian}), false if uniform. */
  public boolean isGaussian() {
    return gaussianSigma > 0;
  }

  /** The Gaussian flood's standard deviation, or 0 for uniform flooding. */
  public double gaussianSigma() {
    return gaussianSigma;
  }

  /** True for a {@link #forCkksStatedKappa} budget whose kappa is below the usual minimum of 40. */
  public boolean isStatedBelowMinimum() {
    return statedBelowMinimum;
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
    BigInteger bEval = plainProductBound(p, inputCiphertexts, halfT,
        BigInteger.valueOf(FRESH_NOISE_BOUND + 1));
    return bfv(p, kappa, (long) outputCiphertexts * n, bEval);
  }

  /**
   * {@code B_eval} of a sum of {@code summands} products of ciphertexts whose noise (encoding
   * rounding included) is at most {@code noiseBound} with plaintexts whose centered
   * coefficients are at most {@code plainNorm}: each coefficient of a negacyclic product sums
   * {@code N} terms, so {@code summands * N * plainNorm * noiseBound}. Use it with
   * {@link #of} when the operands' norms are smaller than the worst case.
   */
  public static BigInteger plainProductBound(HeParameters p, int summands, BigInteger plainNorm,
      BigInteger noiseBound) {
    if (summands < 1 || plainNorm.signum() < 0 || noiseBound.signum() < 0) {
      throw new IllegalArgumentException("summands >= 1 and non-negative norms required");
    }
    return plainNorm.multiply(noiseBound)
        .multiply(BigInteger.valueOf((long) summands * p.polyModulusDegree()));
  }

  /** {@link HeParameters#parameterId()} of the parameters the budget was computed for. */
  public String parameterId() {
    return parameterId;
  }

  /** The scheme the budget was computed for. */
  public HeScheme scheme() {
    return scheme;
  }

  /**
   * The budget of {@link CoefficientMatVec#answer} for this layout: the answer keeps only the
   * {@code rows} output coefficients of its first component (the second is an RLWE sample
   * pseudorandom in the sender's fresh randomness), so {@code M = rows}; {@code B_eval} as in
   * {@link #forMatVec(HeParameters, int, int, int)}.
   */
  public static FloodingBudget forMatVec(HeParameters p, MatVecLayout layout, int kappa) {
    if (layout.polyModulusDegree() != p.polyModulusDegree()) {
      throw new IncompatibleOperandsException("layout made for another ring degree");
    }
    // the worst case over all N coefficients first, as this budget always refused
    forMatVec(p, layout.inputCount(), 1, kappa);
    return forMatVec(p, layout, kappa, p.maxLevel());
  }

  /**
   * {@link #forMatVec(HeParameters, MatVecLayout, int)} for operands encrypted at
   * {@code level} (the flood must fit below that level's modulus).
   */
  public static FloodingBudget forMatVec(HeParameters p, MatVecLayout layout, int kappa,
      int level) {
    if (layout.polyModulusDegree() != p.polyModulusDegree()) {
      throw new IncompatibleOperandsException("layout made for another ring degree");
    }
    if (p.scheme() != HeScheme.BFV) {
      throw new IncompatibleOperandsException("the matrix-vector product needs BFV");
    }
    // the same budget for every answer of a shape: computed once (a refused one is not kept)
    MatVecKey key = MatVecKey.of(p, layout, kappa, level);
    FloodingBudget cached = MAT_VEC.get(key);
    if (cached != null) {
      return cached;
    }
    FloodingBudget b = computeForMatVec(p, layout, kappa, level);
    remember(MAT_VEC, key, b);
    return b;
  }

  /**
   * The budgets of matrix-vector answers by parameters and shape. A budget is immutable once
   * its factory returns; the parameters' id hashes everything that affects the arithmetic, and
   * the key adds what the budget reads besides ({@link HeParameters#minimumKappa}).
   */
  private record MatVecKey(String parameterId, int minimumKappa, int inputs, int rows,
      int kappa, int level) {
    static MatVecKey of(HeParameters p, MatVecLayout layout, int kappa, int level) {
      return new MatVecKey(p.parameterId(), p.minimumKappa(), layout.inputCount(),
          layout.rows(), kappa, level);
    }
  }

  private static final int CACHE_LIMIT = 4096;
  private static final ConcurrentHashMap<MatVecKey, FloodingBudget> MAT_VEC =
      new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<MatVecKey, Integer> COMPACT_LEVEL =
      new ConcurrentHashMap<>();

  private static <V> void remember(ConcurrentHashMap<MatVecKey, V> cache, MatVecKey key, V v) {
    if (cache.size() >= CACHE_LIMIT) {
      cache.clear();
    }
    cache.putIfAbsent(key, v);
  }

  private static FloodingBudget computeForMatVec(HeParameters p, MatVecLayout layout, int kappa,
      int level) {
    BigInteger halfT = BigInteger.valueOf(p.plainModulus()).add(BigInteger.ONE).shiftRight(1);
    BigInteger bEval = plainProductBound(p, layout.inputCount(), halfT,
        BigInteger.valueOf(FRESH_NOISE_BOUND + 1));
    return bfv(p, kappa, layout.rows(), bEval, level);
  }

  /**
   * The lowest level at which operands of this product can be encrypted so that the flooded
   * answer still decrypts and has a {@link #compactBits() compact form} (what the owner of the
   * operands sends shrinks with the level), or -1 if not even the top level does.
   */
  public static int compactLevel(HeParameters p, MatVecLayout layout, int kappa) {
    if (layout.polyModulusDegree() != p.polyModulusDegree()) {
      throw new IncompatibleOperandsException("layout made for another ring degree");
    }
    if (p.scheme() != HeScheme.BFV) {
      throw new IncompatibleOperandsException("the matrix-vector product needs BFV");
    }
    MatVecKey key = MatVecKey.of(p, layout, kappa, -1);
    Integer cached = COMPACT_LEVEL.get(key);
    if (cached != null) {
      return cached;
    }
    int level = computeCompactLevel(p, layout, kappa);
    remember(COMPACT_LEVEL, key, level);
    return level;
  }

  private static int computeCompactLevel(HeParameters p, MatVecLayout layout, int kappa) {
    for (int level = 0; level <= p.maxLevel(); level++) {
      try {
        if (forMatVec(p, layout, kappa, level).compactBits() != 0) {
          return level;
        }
      } catch (NoiseBudgetException e) {
        // too little modulus at this level
      }
    }
    return -1;
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

  /**
   * {@code log2 B_flood}: uniform smudging noise lies in {@code [-B_flood, B_flood)}; for
   * Gaussian flooding, {@code ceil(log2 sigma)}.
   */
  public int floodBits() {
    return floodBits;
  }

  public BigInteger floodBound() {
    return BigInteger.ONE.shiftLeft(floodBits);
  }

  public BigInteger freshBound() {
    return freshBound;
  }

  /**
   * Bits of the power-of-two modulus a {@link CompactAnswer} is switched to (from the top
   * level), or 0 if no modulus up to {@code 2^63} leaves room for the switch's rounding.
   */
  public int compactBits() {
    return compactBits;
  }

  /** Lowest level to which a flooded answer can be switched and still decrypt exactly. */
  public int answerLevel() {
    return answerLevel;
  }

  @Override
  public String toString() {
    return "FloodingBudget[" + (isGaussian() ? "Gaussian, " : "") + "kappa=" + kappa + ", M="
        + coefficientCount + ", log2 B_eval="
        + evalBound.bitLength() + ", log2 B_flood=" + floodBits + ", answerLevel=" + answerLevel
        + "]";
  }
}
