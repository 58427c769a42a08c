package dev.oml.core.fingerprint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.model.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class FingerprintKeysTest {
  static final Shape IMAGE = new Shape(1, 28, 28);
  static final SecretAccess S = SecretAccess.get();

  static SigningKeyPair key(long seed) {
    byte[] b = new byte[32];
    new SplittableRandom(seed).nextBytes(b);
    return SigningKeyPair.fromPrivateKey(b, S);
  }

  static FingerprintKeys derive(long owner, long licensee, String model, int k) {
    return FingerprintKeys.derive(key(owner), S, key(licensee).publicKey(), model, IMAGE, 10, k);
  }

  static boolean sameKeys(FingerprintKeys a, FingerprintKeys b) {
    if (a.count() != b.count()) {
      return false;
    }
    for (int i = 0; i < a.count(); i++) {
      if (!Arrays.equals(a.input(i, S), b.input(i, S)) || a.label(i, S) != b.label(i, S)) {
        return false;
      }
    }
    return true;
  }

  @Property(tries = 25)
  void derivationIsDeterministicPerOwnerLicenseeAndModelAndDiffersOtherwise(@ForAll long owner,
      @ForAll long licensee) {
    FingerprintKeys a = derive(owner, licensee, "network-a", 8);
    assertTrue(sameKeys(a, derive(owner, licensee, "network-a", 8)), "re-derivation must match");
    assertFalse(sameKeys(a, derive(owner, licensee + 1, "network-a", 8)), "another licensee");
    assertFalse(sameKeys(a, derive(owner + 1, licensee, "network-a", 8)), "another owner");
    assertFalse(sameKeys(a, derive(owner, licensee, "network-b", 8)), "another model");
    assertEquals(key(licensee).publicKey().keyId(), a.licensee());
  }

  @Property(tries = 25)
  void inputsLieInTheInputBoxAndLabelsAmongTheClasses(@ForAll long owner, @ForAll long licensee) {
    FingerprintKeys k = derive(owner, licensee, "m", 16);
    for (int i = 0; i < k.count(); i++) {
      for (double v : k.input(i, S)) {
        assertTrue(v >= 0 && v <= 1, "pixel " + v);
      }
      assertTrue(k.label(i, S) >= 0 && k.label(i, S) < 10);
    }
  }

  @Test
  void aSmallerSetIsAPrefixOfALargerOne() {
    FingerprintKeys small = derive(1, 2, "m", 5);
    FingerprintKeys large = derive(1, 2, "m", 64);
    for (int i = 0; i < 5; i++) {
      assertArrayEquals(small.input(i, S), large.input(i, S));
      assertEquals(small.label(i, S), large.label(i, S));
    }
  }

  @Test
  void keyInputsAreFarFromImagesAndFromEachOther() {
    // Fashion-MNIST images are mostly black background; a key is uniform noise with mean 1/2
    // everywhere. Two keys differ in about a third of the box per pixel on average.
    FingerprintKeys k = derive(3, 4, "m", 32);
    for (int i = 0; i < k.count(); i++) {
      double mean = Arrays.stream(k.input(i, S)).average().orElseThrow();
      assertTrue(Math.abs(mean - 0.5) < 0.05, "mean pixel " + mean);
      for (int j = 0; j < i; j++) {
        double d = 0;
        double[] a = k.input(i, S);
        double[] b = k.input(j, S);
        for (int p = 0; p < a.length; p++) {
          d += Math.abs(a[p] - b[p]);
        }
        assertTrue(d / a.length > 0.25, "mean distance " + d / a.length);
      }
    }
  }

  @Test
  void labelsAreSpreadOverEveryClass() {
    // 4096 labels of 10 classes: each class expects 409.6 (sd about 19); a band of 6 sd fails a
    // biased sampler (the plain byte % 10 over-weights classes 0 to 5 by 1/25, 16 counts) only
    // together with the other checks, so the exact rejection rule is also checked below.
    FingerprintKeys k = FingerprintKeys.derive(key(5), S, key(6).publicKey(), "m", Shape.vector(1), 10, 4096);
    int[] counts = new int[10];
    for (int i = 0; i < k.count(); i++) {
      counts[k.label(i, S)]++;
    }
    for (int c : counts) {
      assertTrue(Math.abs(c - 409.6) < 6 * 19.2, Arrays.toString(counts));
    }
  }

  @Test
  void badRequestsAreTypedAndSecretsStayBehindTheCapability() {
    assertThrows(FingerprintException.class, () -> derive(1, 2, "m", 0));
    assertThrows(FingerprintException.class, () -> derive(1, 2, "m", FingerprintKeys.MAX_COUNT + 1));
    SigningPublicKey lic = key(2).publicKey();
    assertThrows(FingerprintException.class,
        () -> FingerprintKeys.derive(key(1), S, lic, "m", IMAGE, 1, 4));
    assertThrows(FingerprintException.class,
        () -> FingerprintKeys.derive(key(1), S, lic, "m", IMAGE, 257, 4));
    assertThrows(IllegalArgumentException.class,
        () -> FingerprintKeys.derive(key(1), null, lic, "m", IMAGE, 10, 4));
    FingerprintKeys k = derive(1, 2, "m", 4);
    assertThrows(IllegalArgumentException.class, () -> k.input(0, null));
    assertThrows(IllegalArgumentException.class, () -> k.label(0, null));
    // toString names the licensee, model and K, and nothing of the keys.
    assertFalse(k.toString().contains("0.") || k.toString().contains("["  + k.label(0, S) + "]"));
    assertTrue(k.toString().contains("K=4"));
  }
}
