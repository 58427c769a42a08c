package dev.oml.mpc.tier2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.mpc.inference.OutputPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Network A (784-128-128-10, Dense+ReLU) as a tier-2 bundle of one query at INSECURE HE
 * parameters, on the first image of the shipped Fashion-MNIST subset: the logits equal the field
 * reference at {@code f = 12} bit for bit. Prints the bytes each way and the wall time of the
 * offline phase and of the query (both sides in one process on this machine), the figures
 * docs/2pc-tier2.md quotes.
 */
class Tier2NetworkATest {
  static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("models"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("no models/ directory above the working directory");
    }
    return p;
  }

  @Test
  void networkABundleOfOneEqualsTheFieldReference() throws Exception {
    Model m = ModelFiles.load(root().resolve("models/network-a.omlm"));
    Dataset data = FashionMnist.test(root().resolve("data/fashion-mnist-subset"));
    Tier2Run run = new Tier2Run(m, 12);
    long t0 = System.nanoTime();
    run.offline(1, OutputPolicy.LOGITS);
    long t1 = System.nanoTime();
    long[] x = run.user.encodeInput(data.image(0));
    Tier2Run.Outcome o = run.query(x);
    long t2 = System.nanoTime();
    assertNull(o.userError());
    assertNull(o.ownerError());
    assertArrayEquals(run.expectedLogits(x), o.result().logits());
    System.out.printf("tier-2 Network A, INSECURE HE (N = 512), bundle of 1: offline %.2f MB O->U,"
        + " %.2f MB U->O, %.1f s; online query %.2f MB O->U, %.2f MB U->O, %.1f s%n",
        run.offlineBytesOU / 1e6, run.offlineBytesUO / 1e6, (t1 - t0) / 1e9, o.bytesOU() / 1e6,
        o.bytesUO() / 1e6, (t2 - t1) / 1e9);
  }
}
