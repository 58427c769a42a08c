package dev.oml.core.fingerprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class FingerprintCheckTest {
  static final dev.oml.core.keys.SecretAccess S = dev.oml.core.keys.SecretAccess.get();

  /** The binomial tail in exact rational arithmetic: the independent oracle. */
  static BigDecimal exactTail(int n, int m, int classes) {
    BigInteger num = BigInteger.ZERO;
    BigInteger c = BigInteger.valueOf(classes);
    for (int j = m; j <= n; j++) {
      BigInteger choose = BigInteger.ONE;
      for (int i = 0; i < j; i++) {
        choose = choose.multiply(BigInteger.valueOf(n - i)).divide(BigInteger.valueOf(i + 1));
      }
      num = num.add(choose.multiply(c.subtract(BigInteger.ONE).pow(n - j)));
    }
    return new BigDecimal(num).divide(new BigDecimal(c.pow(n)), MathContext.DECIMAL128);
  }

  static double log2(BigDecimal x) {
    // log2 of a BigDecimal that may be far below Double.MIN_VALUE: unscaled value and scale.
    return (Math.log(x.unscaledValue().doubleValue()) - x.scale() * Math.log(10)) / Math.log(2);
  }

  @Property(tries = 200)
  void tailMatchesTheExactRationalTail(@ForAll @IntRange(min = 1, max = 300) int n,
      @ForAll @IntRange(min = 0, max = 300) int mRaw, @ForAll @IntRange(min = 2, max = 40) int classes) {
    int m = mRaw % (n + 1);
    double got = FingerprintCheck.log2BinomialTail(n, m, 1.0 / classes);
    double want = m == 0 ? 0 : log2(exactTail(n, m, classes));
    assertEquals(want, got, 1e-9 * Math.max(1, Math.abs(want)), "n=" + n + " m=" + m + " c=" + classes);
  }

  @Test
  void sixtyFourFingerprintsOfTenClassesNameFromTwentyNineMatches() {
    assertEquals(29, FingerprintCheck.matchesNeeded(64, 10, -40));
    assertTrue(log2(exactTail(64, 29, 10)) < -40);
    assertTrue(log2(exactTail(64, 28, 10)) >= -40);
    assertEquals(Double.NEGATIVE_INFINITY, FingerprintCheck.log2BinomialTail(64, 65, 0.1));
  }

  static FingerprintKeys keys(long licensee) {
    return FingerprintKeys.derive(FingerprintKeysTest.key(100), S,
        FingerprintKeysTest.key(licensee).publicKey(), "m", FingerprintKeysTest.IMAGE, 10, 64);
  }

  /** A black box that knows licensee {@code l}'s fingerprints: what a copy of theirs does. */
  static FingerprintCheck.Suspect answering(FingerprintKeys k) {
    return x -> {
      for (int i = 0; i < k.count(); i++) {
        if (java.util.Arrays.equals(x, k.input(i, S))) {
          return k.label(i, S);
        }
      }
      return 0;
    };
  }

  @Test
  void aBlackBoxThatAnswersALicenseesKeysNamesThatLicenseeAndNoOther() {
    List<FingerprintKeys> all = List.of(keys(1), keys(2), keys(3));
    for (int l = 0; l < 3; l++) {
      FingerprintCheck.Report r = FingerprintCheck.check(answering(all.get(l)), all, -40);
      assertTrue(r.named());
      assertEquals(all.get(l).licensee().hex(), r.identified().licenseeHex());
      assertEquals(64, r.rows().get(l).matches());
      for (int o = 0; o < 3; o++) {
        if (o != l) {
          assertTrue(r.rows().get(o).log2PValue() > -40, "licensee " + o + " for " + l + "'s copy");
        }
      }
    }
  }

  @Property(tries = 100)
  void aSuspectIndependentOfTheKeysIsNeverNamed(@ForAll long seed) {
    // Any function chosen without the keys: a random lookup of a few pixels into a label.
    SplittableRandom r = new SplittableRandom(seed);
    int[] pixels = r.ints(3, 0, 784).toArray();
    int constant = r.nextInt(10);
    FingerprintCheck.Suspect s = x -> (int) ((x[pixels[0]] * 7 + x[pixels[1]] * 13 + x[pixels[2]] * 3
        + constant)) % 10;
    FingerprintCheck.Report rep = FingerprintCheck.check(s, List.of(keys(1), keys(2), keys(3)), -40);
    assertFalse(rep.named(), rep.toString());
  }

  @Test
  void theThresholdIsWhatStopsNamingSomeoneForAnUnrelatedModel() {
    // The attack the threshold prevents: framing a licensee with whatever model is at hand. A
    // constant suspect matches the keys of label 0, about K/10 each; naming the best row (the
    // check switched off) always accuses somebody; with the threshold, nobody.
    List<FingerprintKeys> all = List.of(keys(1), keys(2), keys(3), keys(4), keys(5));
    FingerprintCheck.Report rep = FingerprintCheck.check(x -> 0, all, -40);
    FingerprintCheck.Row best = rep.rows().stream()
        .min(java.util.Comparator.comparingDouble(FingerprintCheck.Row::log2PValue)).orElseThrow();
    assertTrue(best.matches() > 0, "without the threshold, licensee " + best.licenseeHex() + " is accused");
    assertFalse(rep.named());
    // With a threshold as lax as the accused licensee's own p-value, the same suspect names them.
    assertTrue(FingerprintCheck.check(x -> 0, all, Math.min(-1e-9, best.log2PValue() + 1e-9)).named());
  }

  @Test
  void labelsOutsideTheClassesNeverMatch() {
    FingerprintCheck.Report r = FingerprintCheck.check(x -> -1, List.of(keys(1)), -40);
    assertEquals(0, r.rows().get(0).matches());
    assertEquals(0.0, r.rows().get(0).log2PValue());
  }

  @Test
  void badRequestsAreTyped() {
    assertThrows(FingerprintException.class, () -> FingerprintCheck.check(x -> 0, List.of(), -40));
    assertThrows(FingerprintException.class, () -> FingerprintCheck.check(x -> 0, List.of(keys(1)), 0));
    assertThrows(FingerprintException.class, () -> FingerprintCheck.check(x -> 0, List.of(keys(1)), -1001));
    assertThrows(FingerprintException.class, () -> FingerprintCheck.check(x -> 0, List.of(keys(1)), Double.NaN));
  }

  @Test
  void theSuspectGetsCopiesOfTheKeyInputs() {
    FingerprintKeys k = keys(1);
    double before = k.input(0, S)[0];
    FingerprintCheck.check(x -> {
      java.util.Arrays.fill(x, 0.123);
      return 0;
    }, List.of(k), -40);
    assertEquals(before, k.input(0, S)[0]);
  }
}
