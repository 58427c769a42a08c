package dev.oml.bench.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * FRESCO's SPDZ evaluation of Network A against our fixed-point reference on images of the
 * shipped subset: the same labels, and every logit within the bound that FRESCO's probabilistic
 * truncation allows (each truncation may add one unit of {@code 2^-f}, which the later layers
 * scale by their weights). Slow: a few seconds per image, and more on a busy 2-core machine.
 */
@Tag("slow")
class FrescoNetworkATest {
  private static final int IMAGES = 4;

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (!p.resolve("models").toFile().isDirectory()) {
      p = p.getParent();
    }
    return p;
  }

  @Test
  void logitsAndLabelsMatchTheFixedPointReference() {
    Model m = ModelFiles.load(root().resolve("models/network-a.omlm"));
    QuantizedModel q = QuantizedModel.of(m);
    FixedPointFormat fmt = q.format();
    FixedPointInference ref = new FixedPointInference(q);
    long[] bound = truncationErrorBound(q);
    Dataset data = FashionMnist.test(root().resolve("data/fashion-mnist-subset")).limit(IMAGES);
    try (FrescoNetworkA fresco = FrescoNetworkA.open(q)) {
      for (int i = 0; i < data.size(); i++) {
        long[] x = ref.encodeInput(data.image(i));
        long[] expected = ref.logits(x);
        // Every other image with its preprocessing drawn ahead of time, as the benchmark does.
        long[] got = i % 2 == 0 ? fresco.infer(x, fresco.logitLayers()).output()
            : fresco.inferOnline(x, fresco.logitLayers()).output();
        assertEquals(expected.length, got.length);
        for (int j = 0; j < got.length; j++) {
          long diff = Math.abs(got[j] - fmt.signed(expected[j]));
          assertTrue(diff <= bound[j], "image " + i + " logit " + j + ": FRESCO differs by " + diff
              + " units of 2^-" + fmt.fractionalBits() + ", more than truncation allows (" + bound[j] + ")");
        }
        assertEquals(FixedPointInference.argmax(fmt, expected), argmax(got), "label of image " + i);
      }
      // The whole model, Argmax included: the user learns the label alone.
      long[] x = ref.encodeInput(data.image(0));
      long[] label = fresco.infer(x, fresco.layers()).output();
      assertEquals(1, label.length);
      assertEquals(FixedPointInference.argmax(fmt, ref.logits(x)), label[0], "label opened by FRESCO");
    }
  }

  @Test
  void firstDenseLayerIsExactUpToOneTruncationStep() {
    Model m = ModelFiles.load(root().resolve("models/network-a.omlm"));
    QuantizedModel q = QuantizedModel.of(m);
    FixedPointFormat fmt = q.format();
    FixedPointInference ref = new FixedPointInference(q);
    long[] x = ref.encodeInput(FashionMnist.test(root().resolve("data/fashion-mnist-subset")).image(0));
    long[] a = q.matrix(0);
    long[] b = q.bias(0);
    try (FrescoNetworkA fresco = FrescoNetworkA.open(q)) {
      long[] got = fresco.infer(x, 1).output();
      for (int r = 0; r < got.length; r++) {
        long acc = fmt.signed(b[r]);
        for (int c = 0; c < x.length; c++) {
          acc += fmt.signed(a[r * x.length + c]) * fmt.signed(x[c]);
        }
        long exact = acc >> fmt.fractionalBits();
        assertTrue(got[r] == exact || got[r] == exact + 1, "neuron " + r + ": " + got[r] + " vs " + exact);
      }
    }
  }

  /**
   * Per logit, the largest difference (in units of {@code 2^-f}) that FRESCO's truncation can
   * cause: a linear layer turns input errors {@code e} into {@code ceil(sum |w| e / 2^f) + 1}
   * (the carried error, then the truncation's own step), ReLU passes errors on unchanged.
   */
  private static long[] truncationErrorBound(QuantizedModel q) {
    FixedPointFormat fmt = q.format();
    long[] e = new long[q.model().inputShape().size()];
    for (int i = 0; i < q.model().layers().size(); i++) {
      if (!q.isLinear(i)) {
        continue;
      }
      long[] w = q.matrix(i);
      int rows = q.rows(i);
      int cols = q.cols(i);
      long[] next = new long[rows];
      for (int r = 0; r < rows; r++) {
        long s = 0;
        for (int c = 0; c < cols; c++) {
          s += Math.abs(fmt.signed(w[r * cols + c])) * e[c];
        }
        next[r] = ((s + (1L << fmt.fractionalBits()) - 1) >> fmt.fractionalBits()) + 1;
      }
      e = next;
    }
    return e;
  }

  private static int argmax(long[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
