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
 * shipped subset: the same labels, and logits within a few units of {@code 2^-f}.
 */
@Tag("slow")
class FrescoNetworkATest {
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
    Dataset data = FashionMnist.test(root().resolve("data/fashion-mnist-subset")).limit(3);
    try (FrescoNetworkA fresco = FrescoNetworkA.open(q)) {
      System.out.println("sharing: " + fresco.sharing());
      for (int i = 0; i < data.size(); i++) {
        long[] x = ref.encodeInput(data.image(i));
        long[] expected = ref.logits(x);
        FrescoNetworkA.Inference got = fresco.infer(x);
        long maxDiff = 0;
        long[] out = got.output();
        for (int j = 0; j < out.length; j++) {
          maxDiff = Math.max(maxDiff, Math.abs(out[j] - fmt.signed(expected[j])));
        }
        System.out.println("image " + i + ": max |diff| " + maxDiff + " ulp, " + got.measurement());
        assertEquals(FixedPointInference.argmax(fmt, expected), argmax(out), "label of image " + i);
        assertTrue(maxDiff <= 8, "image " + i + ": logits differ by " + maxDiff + " units of 2^-f");
      }
    }
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
