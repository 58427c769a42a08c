package dev.oml.he.java.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.oml.he.HeBackends;
import dev.oml.he.HeParameters;
import dev.oml.he.conformance.TestParameters;
import dev.oml.he.java.internal.JavaObjects.Ct;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The RNS tensoring agrees word for word with the big-integer reference. */
class BfvMultiplierTest {
  @Test
  void rnsTensoringEqualsTheExactReference() {
    Random rnd = new Random(8);
    for (HeParameters p : new HeParameters[] {TestParameters.INSECURE_BFV_BATCHING,
        TestParameters.INSECURE_BFV_COEFF,
        HeParameters.builder(dev.oml.he.HeScheme.BFV).polyModulusDegree(1024)
            .coeffModulusBits(60, 60, 60, 60).plainModulusPowerOfTwo(60).insecureForTesting()
            .build()}) {
      JavaContext ctx = (JavaContext) HeBackends.pureJava().createContext(p);
      var kg = ctx.keyGenerator();
      var enc = ctx.encryptor(kg.createPublicKey());
      long[] v = new long[ctx.n];
      for (int i = 0; i < v.length; i++) {
        v[i] = Math.floorMod(rnd.nextLong(), ctx.t);
      }
      Ct a = (Ct) enc.encrypt(ctx.bfvEncoder().encode(v));
      Ct b = (Ct) enc.encrypt(ctx.bfvEncoder().encode(v));
      for (int level = ctx.k - 1; level >= 0; level--) {
        long[][][] fast = new BfvMultiplier(ctx, level).multiply(a.c, b.c);
        long[][][] exact = new BfvMultiplierBig(ctx, level).multiply(a.c, b.c);
        for (int c = 0; c < 3; c++) {
          for (int r = 0; r <= level; r++) {
            assertArrayEquals(exact[c][r], fast[c][r], p.name() + " level " + level);
          }
        }
        if (level > 0) {
          a = (Ct) ctx.evaluator().modSwitchToNext(a);
          b = (Ct) ctx.evaluator().modSwitchToNext(b);
        }
      }
    }
  }
}
