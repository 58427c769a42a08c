package dev.oml.he.java.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.PrimeField;
import dev.oml.he.BfvEncoding;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.conformance.TestParameters;
import java.math.BigInteger;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * The word-arithmetic BFV rounding equals its big-integer definition bit for bit: on uniform
 * phases and on phases whose {@code t x / Q} lies within {@code 2^-40} of a half-integer (where
 * the double estimate is not trusted and the exact limb comparison decides), at the served
 * parameters ({@code OfflineHe.standard()}: N = 8192, 60 + 3 x 52 bits, {@code t = p}) and at
 * INSECURE small ones (prime, power-of-two and batching plain moduli), at every level.
 */
class BfvRoundingProperties {
  /** The plain modulus and chain shape of the tier-2 test parameters (INSECURE, N = 512). */
  private static final HeParameters INSECURE_FP = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(512).coeffModulusBits(60, 50, 50).plainModulus(PrimeField.P)
      .encoding(BfvEncoding.COEFFICIENT).insecureForTesting().build();
  private static final List<BfvRounding> ALL = List.of(
      BfvRounding.forParameters(PredefinedParameters.bfvPrimeField(40)),
      BfvRounding.forParameters(INSECURE_FP),
      BfvRounding.forParameters(TestParameters.INSECURE_BFV_COEFF),
      BfvRounding.forParameters(TestParameters.INSECURE_BFV_BATCHING),
      BfvRounding.forParameters(TestParameters.INSECURE_BFV_TINY));
  private static final List<HeParameters> PARAMS = List.of(
      PredefinedParameters.bfvPrimeField(40), INSECURE_FP, TestParameters.INSECURE_BFV_COEFF,
      TestParameters.INSECURE_BFV_BATCHING, TestParameters.INSECURE_BFV_TINY);
  private static final int COLUMNS = 64;

  /** Residue rows of {@code xs} modulo the first {@code level + 1} primes of {@code p}. */
  private static long[][] rows(HeParameters p, int level, BigInteger[] xs) {
    long[] primes = p.coeffModulus();
    long[][] r = new long[level + 1][xs.length];
    for (int i = 0; i <= level; i++) {
      BigInteger q = BigInteger.valueOf(primes[i]);
      for (int j = 0; j < xs.length; j++) {
        r[i][j] = xs[j].mod(q).longValue();
      }
    }
    return r;
  }

  private static void agrees(BfvRounding b, long[][] rows, int level) {
    long[] got = new long[rows[0].length];
    b.round(rows, level, null, got);
    long[] want = new long[got.length];
    for (int j = 0; j < want.length; j++) {
      want[j] = b.roundReference(rows, level, j);
    }
    assertArrayEquals(want, got);
  }

  @Test
  void appliesWhereverTheParametersAllow() {
    for (int k = 0; k < ALL.size(); k++) {
      for (int l = 0; l < PARAMS.get(k).coeffModulusCount(); l++) {
        assertTrue(ALL.get(k).supports(l), PARAMS.get(k).name() + " level " + l);
      }
    }
  }

  @Property(tries = 60)
  void uniformPhasesRoundAsTheDefinition(@ForAll long seed) {
    Random rnd = new Random(seed);
    for (int k = 0; k < ALL.size(); k++) {
      HeParameters p = PARAMS.get(k);
      for (int l = 0; l < p.coeffModulusCount(); l++) {
        BigInteger q = p.modulusAtLevel(l);
        BigInteger[] xs = new BigInteger[COLUMNS];
        for (int j = 0; j < COLUMNS; j++) {
          xs[j] = new BigInteger(q.bitLength() + 8, rnd).mod(q);
        }
        agrees(ALL.get(k), rows(p, l, xs), l);
      }
    }
  }

  /**
   * Phases next to a rounding boundary: {@code x = floor((2m + 1) Q / 2t) + d} for small
   * {@code d}, so {@code t x / Q} is within {@code t |d| / Q} of {@code m + 1/2}; the test first
   * checks that each is inside the exact path's window, then that the result is the definition.
   */
  @Property(tries = 60)
  void phasesAtTheRoundingBoundaryRoundAsTheDefinition(@ForAll long seed) {
    Random rnd = new Random(seed);
    BigInteger window = BigInteger.ONE.shiftLeft(40);
    for (int k = 0; k < ALL.size(); k++) {
      HeParameters p = PARAMS.get(k);
      BigInteger t = BigInteger.valueOf(p.plainModulus());
      for (int l = 0; l < p.coeffModulusCount(); l++) {
        BigInteger q = p.modulusAtLevel(l);
        BigInteger[] xs = new BigInteger[COLUMNS];
        for (int j = 0; j < COLUMNS; j++) {
          BigInteger m = new BigInteger(t.bitLength() + 8, rnd).mod(t);
          long d = rnd.nextInt(9) - 4;
          BigInteger x = m.shiftLeft(1).add(BigInteger.ONE).multiply(q)
              .divide(t.shiftLeft(1)).add(BigInteger.valueOf(d)).mod(q);
          xs[j] = x;
          // |t x mod Q - Q/2| < Q / 2^40: the double sum cannot decide this one.
          BigInteger dist = x.multiply(t).mod(q).shiftLeft(1).subtract(q).abs();
          if (q.bitLength() > t.bitLength() + 44) {
            assertTrue(dist.multiply(window).compareTo(q.shiftLeft(1)) < 0, "inside the window");
          }
        }
        agrees(ALL.get(k), rows(p, l, xs), l);
      }
    }
  }

  @Test
  void extremesAndPositionsRoundAsTheDefinition() {
    for (int k = 0; k < ALL.size(); k++) {
      HeParameters p = PARAMS.get(k);
      for (int l = 0; l < p.coeffModulusCount(); l++) {
        BigInteger q = p.modulusAtLevel(l);
        BigInteger[] xs = {BigInteger.ZERO, BigInteger.ONE, q.subtract(BigInteger.ONE),
            q.shiftRight(1), q.shiftRight(1).add(BigInteger.ONE), q.subtract(BigInteger.TWO)};
        long[][] r = rows(p, l, xs);
        agrees(ALL.get(k), r, l);
        // Only the given positions are written.
        long[] got = {-1, -1, -1, -1, -1, -1};
        ALL.get(k).round(r, l, new int[] {1, 4}, got);
        assertEquals(-1, got[0]);
        assertEquals(ALL.get(k).roundReference(r, l, 1), got[1]);
        assertEquals(-1, got[2]);
        assertEquals(ALL.get(k).roundReference(r, l, 4), got[4]);
      }
    }
  }
}
