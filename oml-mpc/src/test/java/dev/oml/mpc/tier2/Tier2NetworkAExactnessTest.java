package dev.oml.mpc.tier2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.mpc.inference.OutputPolicy;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Exactness on data: Network A at {@code f = 12} as tier-2 bundles of {@value #BUNDLE} queries
 * at INSECURE HE parameters; every query's logits equal {@link
 * dev.oml.core.reference.FieldFixedPointInference} on the unshared model bit for bit. A query
 * costs seconds (the offline phase dominates; figures in docs/2pc-tier2.md), so the default suite
 * runs a deterministic sample of 20 images spread over the shipped subset (every 50th), and the
 * slow profile ({@code -Pslow}) runs the whole 1,000-image subset and the full 10,000-image test
 * set (from the Debian package {@code dataset-fashion-mnist}; skipped with a message if it is not
 * installed). Each run prints the mean wall time per query, offline and online, both sides in
 * one process. At about 2.3 s per query the subset takes about 40 minutes and the test set about
 * 6.5 hours; {@code -Doml.tier2.exactness.limit=N} runs only the first {@code N} images of each
 * slow test (for a check of the slow path on a slice; the printed line says how many ran).
 */
class Tier2NetworkAExactnessTest {
  static final int F = 12;
  static final int BUNDLE = 20;

  /** Runs {@code indices} of {@code data} in bundles of {@link #BUNDLE}; prints the timings. */
  static void allEqualTheReference(String what, Dataset data, int[] indices) throws Exception {
    Model m = ModelFiles.load(Tier2NetworkATest.root().resolve("models/network-a.omlm"));
    Tier2Run run = new Tier2Run(m, F);
    long offline = 0;
    long online = 0;
    int agree = 0;
    for (int start = 0; start < indices.length; start += BUNDLE) {
      int n = Math.min(BUNDLE, indices.length - start);
      long t0 = System.nanoTime();
      run.offline(n, OutputPolicy.LOGITS);
      offline += System.nanoTime() - t0;
      for (int k = 0; k < n; k++) {
        int img = indices[start + k];
        long[] x = run.user.encodeInput(data.image(img));
        long t1 = System.nanoTime();
        Tier2Run.Outcome o = run.query(x);
        online += System.nanoTime() - t1;
        assertNull(o.userError(), () -> "image " + img + ": " + o.userError());
        assertNull(o.ownerError(), () -> "image " + img + ": " + o.ownerError());
        assertArrayEquals(run.expectedLogits(x), o.result().logits(), "image " + img);
        agree += o.result().label() == data.label(img) ? 1 : 0;
      }
      assertEquals(n, run.ownerBundle.released());
    }
    int q = indices.length;
    System.out.printf("tier-2 Network A exactness, %s: %d queries in bundles of %d, all equal the"
        + " field reference; per query offline %.2f s, online %.2f s; %d/%d labels match the"
        + " dataset%n", what, q, BUNDLE, offline / 1e9 / q, online / 1e9 / q, agree, q);
  }

  /** The first images of {@code data}, as many as {@code -Doml.tier2.exactness.limit} allows. */
  static int[] slice(Dataset data) {
    int limit = Integer.getInteger("oml.tier2.exactness.limit", Integer.MAX_VALUE);
    return IntStream.range(0, Math.min(limit, data.size())).toArray();
  }

  static String of(String what, Dataset data, int[] indices) {
    return indices.length == data.size() ? what
        : what + " (first " + indices.length + " of " + data.size() + ")";
  }

  static Dataset subset() {
    return FashionMnist.test(Tier2NetworkATest.root().resolve("data/fashion-mnist-subset"));
  }

  @Test
  void aSampleOfTwentySubsetImagesEqualsTheFieldReferenceBitForBit() throws Exception {
    Dataset data = subset();
    int step = data.size() / 20;
    allEqualTheReference("every " + step + "th subset image", data,
        IntStream.range(0, 20).map(i -> i * step).toArray());
  }

  @Tag("slow")
  @Test
  void theWholeShippedSubsetEqualsTheFieldReferenceBitForBit() throws Exception {
    Dataset data = subset();
    int[] indices = slice(data);
    allEqualTheReference(of("the shipped subset", data, indices), data, indices);
  }

  @Tag("slow")
  @Test
  void theFullTestSetEqualsTheFieldReferenceBitForBit() throws Exception {
    Assumptions.assumeTrue(FashionMnist.systemInstalled(), "the full Fashion-MNIST test set is"
        + " not installed at " + FashionMnist.SYSTEM_DIR + " (apt-get install"
        + " dataset-fashion-mnist); skipped");
    Dataset data = FashionMnist.test(FashionMnist.SYSTEM_DIR);
    int[] indices = slice(data);
    allEqualTheReference(of("the full test set", data, indices), data, indices);
  }
}
