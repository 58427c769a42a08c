package dev.oml.he;

import dev.oml.he.java.internal.Primes;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.Set;

/**
 * Validated, immutable parameters of a BFV or CKKS instance: ring degree {@code N}, the chain of
 * word-sized NTT-friendly primes {@code q_0 ... q_{k-1}} (level {@code k-1} is the top), an
 * optional special prime used only by key switching, and for BFV the plaintext modulus and its
 * encoding. Built only through {@link Builder}, which fails at {@link Builder#build()}: a set
 * whose total modulus exceeds the Homomorphic Encryption Standard's 128-bit bound for its ring
 * (ternary secret, classical attacks) is refused unless explicitly marked insecure for tests,
 * and then its {@link #name()} carries {@code INSECURE}. Two parties agree on parameters by
 * comparing {@link #parameterId()}, a hash of everything that affects the arithmetic.
 */
public final class HeParameters {
  /** Largest {@code log2(Q*P)} for 128-bit security, ternary secret, by {@code log2 N} (10..15). */
  private static final int[] MAX_LOG_Q_128 = {27, 54, 109, 218, 438, 881};

  private final HeScheme scheme;
  private final int n;
  private final long[] coeffModulus;
  private final long specialPrime;
  private final long plainModulus;
  private final BfvEncoding encoding;
  private final boolean insecure;
  private final String name;
  private final int privacyKappa;
  private final int privacyMaxInputs;
  private final int privacyMaxOutputs;
  private final String parameterId;

  private HeParameters(Builder b, long[] primes, long special) {
    this.scheme = b.scheme;
    this.n = b.n;
    this.coeffModulus = primes;
    this.specialPrime = special;
    this.plainModulus = b.plainModulus;
    this.encoding = b.scheme == HeScheme.BFV ? b.encoding : null;
    this.insecure = b.insecure;
    String base = b.name != null ? b.name : defaultName(b.scheme, b.n, primes, b.plainModulus);
    this.name = b.insecure && !base.contains("INSECURE") ? "INSECURE-" + base : base;
    this.privacyKappa = b.privacyKappa;
    this.privacyMaxInputs = b.privacyMaxInputs;
    this.privacyMaxOutputs = b.privacyMaxOutputs;
    this.parameterId = computeId();
  }

  private static String defaultName(HeScheme s, int n, long[] primes, long t) {
    int bits = 0;
    for (long p : primes) {
      bits += 64 - Long.numberOfLeadingZeros(p);
    }
    return s + "-N" + n + "-Q" + bits + (s == HeScheme.BFV ? "-T" + t : "");
  }

  private String computeId() {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      StringBuilder sb = new StringBuilder("oml-he-parameters-v1|");
      sb.append(scheme).append('|').append(n).append('|');
      for (long p : coeffModulus) {
        sb.append(p).append(',');
      }
      sb.append('|').append(specialPrime).append('|').append(plainModulus).append('|').append(encoding);
      byte[] h = md.digest(sb.toString().getBytes(StandardCharsets.US_ASCII));
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < 16; i++) {
        hex.append(String.format("%02x", h[i]));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }

  public static Builder builder(HeScheme scheme) {
    return new Builder(scheme);
  }

  public HeScheme scheme() {
    return scheme;
  }

  /** Ring degree {@code N} (a power of two); CKKS has {@code N/2} slots. */
  public int polyModulusDegree() {
    return n;
  }

  /** The data primes {@code q_0 .. q_{k-1}}; a copy. */
  public long[] coeffModulus() {
    return coeffModulus.clone();
  }

  public int coeffModulusCount() {
    return coeffModulus.length;
  }

  /** Highest level, {@code k - 1}; fresh ciphertexts are at this level. */
  public int maxLevel() {
    return coeffModulus.length - 1;
  }

  /** The special prime for key switching, or 0 when the set supports no key switching. */
  public long specialPrime() {
    return specialPrime;
  }

  public boolean supportsKeySwitching() {
    return specialPrime != 0;
  }

  /** BFV plaintext modulus {@code t}; 0 for CKKS. */
  public long plainModulus() {
    return plainModulus;
  }

  /** {@code l} when {@code t = 2^l}, else -1. */
  public int plainModulusLog2() {
    return plainModulus > 0 && Long.bitCount(plainModulus) == 1
        ? Long.numberOfTrailingZeros(plainModulus) : -1;
  }

  /** BFV encoding; null for CKKS. */
  public BfvEncoding bfvEncoding() {
    return encoding;
  }

  public boolean isInsecure() {
    return insecure;
  }

  public String name() {
    return name;
  }

  /** Product of the data primes at {@code level}: {@code q_0 * ... * q_level}. */
  public BigInteger modulusAtLevel(int level) {
    BigInteger q = BigInteger.ONE;
    for (int i = 0; i <= level; i++) {
      q = q.multiply(BigInteger.valueOf(coeffModulus[i]));
    }
    return q;
  }

  /** {@code log2} of the whole modulus, special prime included: the figure the security bound limits. */
  public int totalModulusBits() {
    BigInteger q = modulusAtLevel(maxLevel());
    if (specialPrime != 0) {
      q = q.multiply(BigInteger.valueOf(specialPrime));
    }
    return q.bitLength();
  }

  /** The statistical parameter fixed at build time for circuit privacy, or 0 if none was asked. */
  public int circuitPrivacyKappa() {
    return privacyKappa;
  }

  /** Hash of everything that affects the arithmetic; objects carry it and contexts check it. */
  public String parameterId() {
    return parameterId;
  }

  /** The smallest {@code kappa} this parameter set accepts: 40, or 1 when marked insecure. */
  public int minimumKappa() {
    return insecure ? 1 : 40;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HeParameters && ((HeParameters) o).parameterId.equals(parameterId);
  }

  @Override
  public int hashCode() {
    return parameterId.hashCode();
  }

  @Override
  public String toString() {
    return name + " [" + parameterId + "]";
  }

  /**
   * Unchecked settings; everything is validated at {@link #build()}. Primes are given either
   * explicitly or as bit sizes, in which case the largest unused NTT-friendly primes below each
   * size are taken (deterministically, so both parties derive the same set).
   */
  public static final class Builder {
    private final HeScheme scheme;
    private int n;
    private int[] coeffBits;
    private long[] coeffPrimes;
    private int specialBits;
    private long special;
    private long plainModulus;
    private int batchingPlainBits;
    private BfvEncoding encoding;
    private boolean insecure;
    private String name;
    private int privacyKappa;
    private int privacyMaxInputs;
    private int privacyMaxOutputs;

    private Builder(HeScheme scheme) {
      this.scheme = scheme;
    }

    public Builder polyModulusDegree(int n) {
      this.n = n;
      return this;
    }

    public Builder coeffModulusBits(int... bits) {
      this.coeffBits = bits.clone();
      this.coeffPrimes = null;
      return this;
    }

    public Builder coeffModulus(long... primes) {
      this.coeffPrimes = primes.clone();
      this.coeffBits = null;
      return this;
    }

    /** A special prime of this size enables relinearization and rotation keys. */
    public Builder specialPrimeBits(int bits) {
      this.specialBits = bits;
      this.special = 0;
      return this;
    }

    public Builder specialPrime(long prime) {
      this.special = prime;
      this.specialBits = 0;
      return this;
    }

    /** BFV: an explicit plaintext modulus. */
    public Builder plainModulus(long t) {
      this.plainModulus = t;
      this.batchingPlainBits = 0;
      return this;
    }

    /** BFV: {@code t = 2^l} with coefficient encoding ({@code 1 <= l <= 60}). */
    public Builder plainModulusPowerOfTwo(int l) {
      if (l < 1 || l > 60) {
        this.plainModulus = -1;
      } else {
        this.plainModulus = 1L << l;
      }
      this.encoding = BfvEncoding.COEFFICIENT;
      return this;
    }

    /** BFV: a batching prime {@code t = 1 mod 2N} of this many bits, with batching encoding. */
    public Builder batchingPlainModulusBits(int bits) {
      this.batchingPlainBits = bits;
      this.encoding = BfvEncoding.BATCHING;
      return this;
    }

    public Builder encoding(BfvEncoding e) {
      this.encoding = e;
      return this;
    }

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * Allows parameters beyond the 128-bit bound, rings below 1024 and {@code kappa < 40}: for
     * tests only; the name then carries {@code INSECURE}.
     */
    public Builder insecureForTesting() {
      this.insecure = true;
      return this;
    }

    /**
     * Requires that the coefficient-encoded matrix-vector product with up to
     * {@code maxInputCiphertexts} summed plaintext products and {@code maxOutputCiphertexts}
     * returned ciphertexts can be flooded for statistical parameter {@code kappa} and still
     * decrypt correctly; {@link #build()} refuses the set otherwise.
     */
    public Builder circuitPrivacy(int kappa, int maxInputCiphertexts, int maxOutputCiphertexts) {
      this.privacyKappa = kappa;
      this.privacyMaxInputs = maxInputCiphertexts;
      this.privacyMaxOutputs = maxOutputCiphertexts;
      return this;
    }

    public HeParameters build() {
      if (scheme == null) {
        throw new InvalidParametersException("scheme is required");
      }
      if (n < 8 || Integer.bitCount(n) != 1 || n > (1 << 15)) {
        throw new InvalidParametersException(
            "polyModulusDegree must be a power of two in [1024, 32768], got " + n);
      }
      if (n < 1024 && !insecure) {
        throw new InvalidParametersException(
            "polyModulusDegree " + n + " is below 1024: no security; only insecureForTesting()");
      }
      long[] primes;
      Set<Long> used = new HashSet<>();
      try {
        long sp = special;
        if (coeffPrimes != null) {
          primes = coeffPrimes.clone();
        } else if (coeffBits != null && coeffBits.length > 0) {
          // The special prime is drawn first so that it is the largest of its size.
          int[] bits = new int[coeffBits.length + (specialBits != 0 ? 1 : 0)];
          System.arraycopy(coeffBits, 0, bits, bits.length - coeffBits.length, coeffBits.length);
          if (specialBits != 0) {
            bits[0] = specialBits;
          }
          long[] all = Primes.nttPrimes(n, bits, Set.of());
          primes = java.util.Arrays.copyOfRange(all, bits.length - coeffBits.length, all.length);
          if (specialBits != 0) {
            sp = all[0];
          }
        } else {
          throw new InvalidParametersException("coeffModulus (primes or bit sizes) is required");
        }
        for (long p : primes) {
          checkPrime(p, "coefficient modulus");
          if (!used.add(p)) {
            throw new InvalidParametersException("coefficient modulus primes must be distinct");
          }
        }
        if (specialBits != 0 && coeffPrimes != null) {
          sp = Primes.nttPrimes(n, new int[] {specialBits}, used)[0];
        }
        if (sp != 0) {
          checkPrime(sp, "special prime");
          if (used.contains(sp)) {
            throw new InvalidParametersException("special prime must differ from the data primes");
          }
          for (long p : primes) {
            if (Long.numberOfLeadingZeros(p) < Long.numberOfLeadingZeros(sp)) {
              throw new InvalidParametersException(
                  "special prime must be at least as large as every data prime, "
                      + "or key switching adds too much noise");
            }
          }
        }
        long t = plainModulus;
        if (scheme == HeScheme.BFV) {
          if (encoding == null) {
            encoding = BfvEncoding.COEFFICIENT;
          }
          if (batchingPlainBits != 0) {
            Set<Long> all = new HashSet<>(used);
            if (sp != 0) {
              all.add(sp);
            }
            t = batchingPrime(n, batchingPlainBits, all);
          }
          if (t < 2 || t > (1L << 60)) {
            throw new InvalidParametersException(
                "BFV plain modulus must be in [2, 2^60], got " + (t < 0 ? "an invalid power" : t));
          }
          if (encoding == BfvEncoding.BATCHING
              && (!Primes.isPrime(t) || (t - 1) % (2L * n) != 0)) {
            throw new InvalidParametersException(
                "batching needs a prime plain modulus t = 1 mod 2N; use COEFFICIENT encoding "
                    + "or batchingPlainModulusBits()");
          }
          if (used.contains(t) || t == sp) {
            throw new InvalidParametersException("plain modulus must differ from the primes");
          }
          BigInteger q = BigInteger.ONE;
          for (long p : primes) {
            q = q.multiply(BigInteger.valueOf(p));
          }
          if (q.bitLength() < 64 - Long.numberOfLeadingZeros(t) + 10) {
            throw new InvalidParametersException(
                "ciphertext modulus must exceed the plain modulus by at least 10 bits");
          }
        } else if (plainModulus != 0 || batchingPlainBits != 0) {
          throw new InvalidParametersException("CKKS takes no plain modulus");
        }
        plainModulus = t;
        HeParameters p = new HeParameters(this, primes, sp);
        int logN = Integer.numberOfTrailingZeros(n);
        if (!insecure && p.totalModulusBits() > MAX_LOG_Q_128[logN - 10]) {
          throw new InvalidParametersException(
              "modulus of " + p.totalModulusBits() + " bits exceeds the 128-bit bound of "
                  + MAX_LOG_Q_128[logN - 10] + " bits for N = " + n
                  + " (Homomorphic Encryption Standard); use a larger N or fewer primes");
        }
        if (privacyKappa != 0) {
          if (scheme != HeScheme.BFV || p.bfvEncoding() != BfvEncoding.COEFFICIENT) {
            throw new InvalidParametersException(
                "circuitPrivacy applies to BFV with coefficient encoding");
          }
          if (privacyMaxInputs < 1 || privacyMaxOutputs < 1) {
            throw new InvalidParametersException("circuitPrivacy needs positive ciphertext counts");
          }
          FloodingBudget.forMatVec(p, privacyMaxInputs, privacyMaxOutputs, privacyKappa);
        }
        return p;
      } catch (IllegalArgumentException e) {
        throw new InvalidParametersException(e.getMessage());
      }
    }

    private void checkPrime(long p, String what) {
      if (p < (1L << 13) || p >= (1L << 60)) {
        throw new InvalidParametersException(what + " must be between 2^13 and 2^60");
      }
      if (!Primes.isPrime(p)) {
        throw new InvalidParametersException(what + " " + p + " is not prime");
      }
      if ((p - 1) % (2L * n) != 0) {
        throw new InvalidParametersException(what + " " + p + " is not 1 mod 2N (no negacyclic NTT)");
      }
    }

    private static long batchingPrime(int n, int bits, Set<Long> exclude) {
      if (bits < 14 || bits > 60) {
        throw new InvalidParametersException("batching plain modulus size must be in [14, 60] bits");
      }
      return Primes.nttPrimes(n, new int[] {bits}, exclude)[0];
    }
  }

}
