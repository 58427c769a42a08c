package dev.oml.core.omlize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.fixedpoint.FixedPointOverflowException;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * OMLize's invariants: {@code W_U + W_O} reconstructs the quantized model exactly (the oracle is
 * {@link QuantizedModel}, which OMLize does not control); shares of two very different models
 * are indistinguishable from each other and from uniform bytes by a chi-square test, while the
 * same test sees the raw weights at once; two OMLizations never share a salt, a stream or a
 * model id; a format too narrow is refused; the artifact alone answers at chance level.
 */
class OmlizerTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final SigningKeyPair OWNER = SigningKeyPair.generate(RANDOM);
  private static final SigningKeyPair LICENSEE = SigningKeyPair.generate(RANDOM);

  @Property(tries = 30)
  void sharesReconstructTheModelExactly(@ForAll long seed, @ForAll @IntRange(min = 1, max = 12) int in,
      @ForAll @IntRange(min = 1, max = 12) int hidden, @ForAll @IntRange(min = 1, max = 6) int out) {
    Model model = TestModels.mlp(seed, in, hidden, out);
    Omlization o = Omlizer.omlize(model, OWNER.publicKey(), LICENSEE.publicKey(), RANDOM);
    QuantizedModel q = QuantizedModel.of(model);
    FixedPointFormat fmt = model.format();
    int linear = 0;
    for (int i = 0; i < model.layers().size(); i++) {
      if (!q.isLinear(i)) {
        continue;
      }
      linear++;
      long[] wu = o.artifact().matrixShare(i);
      long[] wo = o.keyShare().matrixShare(i, SecretAccess.get());
      long[] w = q.matrix(i);
      for (int j = 0; j < w.length; j++) {
        assertEquals(w[j], fmt.reduce(wu[j] + wo[j]));
      }
      long[] bu = o.artifact().biasShare(i);
      long[] bo = o.keyShare().biasShare(i, SecretAccess.get());
      long[] b = q.bias(i);
      for (int j = 0; j < b.length; j++) {
        assertEquals(b[j], fmt.reduce(bu[j] + bo[j]));
      }
    }
    assertEquals(2, linear);
    QuantizedModel owner = o.keyShare().asQuantizedModel(SecretAccess.get());
    assertArrayEquals(o.keyShare().matrixShare(2, SecretAccess.get()), owner.matrix(2));
    assertArrayEquals(o.keyShare().biasShare(0, SecretAccess.get()), owner.bias(0));
    assertEquals(o.artifact().modelId(), o.keyShare().modelId());
    assertEquals(LICENSEE.keyId(), o.keyShare().licensee());
  }

  @Test
  void sharesOfDifferentModelsAreIndistinguishableByChiSquare() {
    // Two extreme models: all weights 0 and all weights 0.5. l = 40 so every share byte is
    // uniform if the shares are.
    Model zero = TestModels.constant(64, 64, 0.0);
    Model half = TestModels.constant(64, 64, 0.5);
    long[] a = sharesOf(zero);
    long[] b = sharesOf(half);
    long[] ha = byteHistogram(a, 5);
    long[] hb = byteHistogram(b, 5);
    double critical = chiSquareCritical(255, 3.719); // upper 1e-4 point
    assertTrue(chiSquareUniform(ha) < critical, "zero-model shares not uniform: " + chiSquareUniform(ha));
    assertTrue(chiSquareUniform(hb) < critical, "half-model shares not uniform: " + chiSquareUniform(hb));
    assertTrue(chiSquareTwoSample(ha, hb) < critical, "shares distinguishable: " + chiSquareTwoSample(ha, hb));
    // Power check: the same statistic sees the unshared weights at once.
    long[] raw = QuantizedModel.of(half).matrix(0);
    long[] hRaw = byteHistogram(raw, 5);
    assertTrue(chiSquareUniform(hRaw) > 100 * critical);
    assertTrue(chiSquareTwoSample(hRaw, hb) > 100 * critical);
  }

  @Test
  void twoOmlizationsOfOneModelNeverShareAStream() {
    Model model = TestModels.mlp(5, 8, 6, 4);
    Omlization o1 = Omlizer.omlize(model, OWNER.publicKey(), LICENSEE.publicKey(), RANDOM);
    Omlization o2 = Omlizer.omlize(model, OWNER.publicKey(), LICENSEE.publicKey(), RANDOM);
    assertFalse(Arrays.equals(o1.artifact().manifest().salt(), o2.artifact().manifest().salt()));
    assertNotEquals(o1.artifact().modelId(), o2.artifact().modelId());
    assertFalse(o1.keyShare().equalsKey(o2.keyShare()));
    for (int layer : new int[] {0, 2}) {
      long[] s1 = o1.keyShare().matrixShare(layer, SecretAccess.get());
      long[] s2 = o2.keyShare().matrixShare(layer, SecretAccess.get());
      int same = 0;
      for (int j = 0; j < s1.length; j++) {
        same += s1[j] == s2[j] ? 1 : 0;
      }
      assertEquals(0, same, "stream elements repeated across OMLizations");
      assertFalse(Arrays.equals(o1.artifact().matrixShare(layer), o2.artifact().matrixShare(layer)));
    }
    // and within one artifact, two tensors of the same size get different streams
    Omlization sq = Omlizer.omlize(TestModels.mlp(6, 4, 4, 4), OWNER.publicKey(), LICENSEE.publicKey(), RANDOM);
    assertFalse(Arrays.equals(sq.keyShare().matrixShare(0, SecretAccess.get()),
        sq.keyShare().matrixShare(2, SecretAccess.get())));
  }

  @Test
  void refusesAFormatTooNarrowForTheModel() {
    Model model = TestModels.mlp(7, 8, 6, 4);
    int needed = model.requiredRingBits(12);
    FixedPointFormat narrow = FixedPointFormat.of(needed - 1, 12);
    FormatTooNarrowException e = assertThrows(FormatTooNarrowException.class, () ->
        Omlizer.omlize(model, narrow, OWNER.publicKey(), LICENSEE.publicKey(), RANDOM));
    assertTrue(e.getMessage().contains(String.valueOf(needed)), e.getMessage());
    // the smallest adequate format is accepted and reconstructs in that ring
    Omlization ok = Omlizer.omlize(model, FixedPointFormat.of(needed, 12), OWNER.publicKey(),
        LICENSEE.publicKey(), RANDOM);
    assertEquals(needed, ok.artifact().manifest().format().ringBits());
  }

  @Test
  void artifactAloneAnswersAtChanceLevel() {
    Model model = TestModels.mlp(8, 16, 16, 10);
    Omlization o = Omlizer.omlize(model, OWNER.publicKey(), LICENSEE.publicKey(), RANDOM);
    FixedPointInference truth = new FixedPointInference(QuantizedModel.of(model));
    FixedPointInference alone = new FixedPointInference(o.artifact().asQuantizedModel());
    Random r = new Random(9);
    int agree = 0;
    int overflow = 0;
    int n = 300;
    for (int i = 0; i < n; i++) {
      double[] x = TestModels.uniform(r, 16, 1);
      int want = truth.label(x);
      try {
        agree += alone.label(x) == want ? 1 : 0;
      } catch (FixedPointOverflowException e) {
        overflow++; // uniform shares are huge: most inputs overflow, counted as wrong
      }
    }
    assertTrue(agree <= 0.2 * n, "artifact alone agrees with the model on " + agree + " of " + n);
    // and with the key share, the same machinery answers exactly like the model
    long[][] m = new long[3][];
    long[][] b = new long[3][];
    for (int i : new int[] {0, 2}) {
      m[i] = add(o.artifact().matrixShare(i), o.keyShare().matrixShare(i, SecretAccess.get()));
      b[i] = add(o.artifact().biasShare(i), o.keyShare().biasShare(i, SecretAccess.get()));
    }
    FixedPointInference both = new FixedPointInference(
        QuantizedModel.fromShares(o.artifact().manifest().architecture(), m, b));
    for (int i = 0; i < 50; i++) {
      double[] x = TestModels.uniform(r, 16, 1);
      assertEquals(truth.label(x), both.label(x));
    }
    System.out.printf("artifact alone on a random model: %d/%d agree, %d overflow%n", agree, n, overflow);
  }

  @Test
  void textFormsHoldNoSecrets() {
    Omlization o = Omlizer.omlize(TestModels.mlp(9, 4, 4, 2), OWNER.publicKey(), LICENSEE.publicKey(), RANDOM);
    byte[] file = o.keyShare().encode(SecretAccess.get());
    String seedHex = HexFormat.of().formatHex(file, file.length - 32 - 32, file.length - 32);
    String text = o.keyShare() + " " + o + " " + o.artifact() + " " + o.artifact().manifest();
    assertFalse(text.contains(seedHex.substring(0, 12)), text);
    assertTrue(o.keyShare().toString().contains("OwnerKeyShare"));
  }

  @Test
  void theKeyShareCarriesTheModelsContentHashAndAnOldShareWithoutOneIsStillRead() {
    Model m = dev.oml.testkit.TestModels.mlp(5, 4, 3, 2);
    Omlization o = Omlizer.omlize(m, OWNER.publicKey(), LICENSEE.publicKey(), RANDOM);
    dev.oml.core.model.ModelContentHash h = dev.oml.core.model.ModelContentHash.of(m);
    assertEquals(h, o.keyShare().modelContentHash().orElseThrow());
    // the oracle: the hash of the file's bytes under the tag, computed here with the JDK
    byte[] tag = "OML model content v1\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] file = dev.oml.core.model.ModelFiles.toBytes(m);
    try {
      java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
      d.update(tag);
      assertArrayEquals(d.digest(file), h.bytes());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    // a file round trip keeps the hash; another model (other weights) has another hash
    assertEquals(h, dev.oml.core.model.ModelContentHash.of(
        dev.oml.core.model.ModelFiles.fromBytes(file)));
    assertNotEquals(h, dev.oml.core.model.ModelContentHash.of(
        dev.oml.testkit.TestModels.mlp(6, 4, 3, 2)));
    byte[] enc = o.keyShare().encode(SecretAccess.get());
    assertEquals(3, enc[9], "a tier-1 share with a hash is file version 3");
    OmlKeyShare back = OmlKeyShare.decode(enc, "k", SecretAccess.get());
    assertEquals(h, back.modelContentHash().orElseThrow());
    assertEquals(1, back.formatVersion());
    // a share written before shares carried the hash: version 1, read without one
    OwnerKeyShare old = new OwnerKeyShare(o.keyShare().manifest(), o.keyShare().modelId(),
        new byte[OwnerKeyShare.SEED_BYTES], null);
    byte[] oldBytes = old.encode(SecretAccess.get());
    assertEquals(1, oldBytes[9]);
    assertEquals(enc.length - 32, oldBytes.length);
    OmlKeyShare oldBack = OmlKeyShare.decode(oldBytes, "old", SecretAccess.get());
    assertTrue(oldBack.modelContentHash().isEmpty());
    assertEquals(o.keyShare().modelId(), oldBack.modelId());
  }

  private static long[] add(long[] a, long[] b) {
    long[] c = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i] + b[i];
    }
    return c;
  }

  private static long[] sharesOf(Model model) {
    Omlization o = Omlizer.omlize(model, OWNER.publicKey(), LICENSEE.publicKey(), RANDOM);
    long[] m = o.artifact().matrixShare(0);
    long[] b = o.artifact().biasShare(0);
    long[] all = Arrays.copyOf(m, m.length + b.length);
    System.arraycopy(b, 0, all, m.length, b.length);
    return all;
  }

  static long[] byteHistogram(long[] values, int bytesPerValue) {
    long[] h = new long[256];
    for (long v : values) {
      for (int i = 0; i < bytesPerValue; i++) {
        h[(int) ((v >>> (8 * i)) & 0xFF)]++;
      }
    }
    return h;
  }

  static double chiSquareUniform(long[] h) {
    long total = Arrays.stream(h).sum();
    double e = total / (double) h.length;
    double s = 0;
    for (long o : h) {
      s += (o - e) * (o - e) / e;
    }
    return s;
  }

  /** Two-sample homogeneity statistic for equal sample sizes; chi-square with k-1 df. */
  static double chiSquareTwoSample(long[] a, long[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      if (a[i] + b[i] > 0) {
        s += (double) (a[i] - b[i]) * (a[i] - b[i]) / (a[i] + b[i]);
      }
    }
    return s;
  }

  /** Wilson-Hilferty approximation of the chi-square quantile at normal quantile z. */
  static double chiSquareCritical(int df, double z) {
    double c = 2.0 / (9 * df);
    return df * Math.pow(1 - c + z * Math.sqrt(c), 3);
  }
}
