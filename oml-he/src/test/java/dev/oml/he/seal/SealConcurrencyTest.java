package dev.oml.he.seal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.BfvEncoder;
import dev.oml.he.Ciphertext;
import dev.oml.he.HeContext;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.KeyGenerator;
import dev.oml.he.PublicKey;
import dev.oml.he.SecretKey;
import dev.oml.he.conformance.TestParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Contexts are thread-safe: several threads encrypting, computing, decrypting and provoking
 * native errors on one SEAL context get exactly their own results and their own error messages.
 */
@RequiresSeal
class SealConcurrencyTest {
  @Test
  void oneContextServesManyThreads() throws Exception {
    HeContext ctx = SealTests.backend().createContext(TestParameters.INSECURE_BFV_BATCHING);
    KeyGenerator kg = ctx.keyGenerator();
    SecretKey sk = kg.secretKey();
    PublicKey pk = kg.createPublicKey();
    dev.oml.he.GaloisKeys gk = kg.createGaloisKeys(1);
    BfvEncoder enc = ctx.bfvEncoder();
    long t = ctx.parameters().plainModulus();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> jobs = new ArrayList<>();
      for (int thread = 0; thread < 4; thread++) {
        long base = thread * 1000L;
        int missingStep = thread + 2;
        jobs.add(pool.submit(() -> {
          for (int i = 0; i < 15; i++) {
            long[] v = {base + i, base + 2 * i, 7};
            Ciphertext c = ctx.encryptor(pk).encrypt(enc.encode(v));
            Ciphertext d = ctx.evaluator().multiplyPlain(ctx.evaluator().add(c, c),
                enc.encode(new long[] {3, 3, 3}));
            long[] got = enc.decode(ctx.decryptor(sk).decrypt(d));
            assertArrayEquals(new long[] {6 * (base + i) % t, 6 * (base + 2 * i) % t, 42},
                java.util.Arrays.copyOf(got, 3));
            // The native layer refuses this; its message must be this thread's own.
            IncompatibleOperandsException e = assertThrows(IncompatibleOperandsException.class,
                () -> ctx.evaluator().rotateRows(c, missingStep, gk));
            assertTrue(e.getMessage().contains("rotation by " + missingStep + " steps"),
                e.getMessage());
          }
          return null;
        }));
      }
      for (Future<?> f : jobs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
