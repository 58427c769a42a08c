package dev.oml.he.seal;

import dev.oml.he.BfvEncoder;
import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.Evaluator;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.KeyGenerator;
import dev.oml.he.MatVecLayout;
import dev.oml.he.Plaintext;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A side-by-side timing of the two backends in one JVM (median thread CPU time), printed, not
 * asserted: the NTT-heavy operations at N = 8192, a batch of multiply-by-plaintext and the
 * 784 x 128 matrix-vector product at the two-party parameters. Run with
 * {@code mvn -pl oml-he test -Pslow -Dtest=SealVsJavaTimingTest}. JMH benchmarks belong in
 * oml-bench; this gives the figures quickly.
 */
@Tag("slow")
@RequiresSeal
class SealVsJavaTimingTest {
  private final List<String> lines = new ArrayList<>();

  /** This thread's CPU time in ns, read reflectively (the module does not read java.management). */
  private static final java.util.function.LongSupplier CPU = cpuClock();

  private static java.util.function.LongSupplier cpuClock() {
    try {
      Object bean = Class.forName("java.lang.management.ManagementFactory")
          .getMethod("getThreadMXBean").invoke(null);
      java.lang.reflect.Method m = Class.forName("java.lang.management.ThreadMXBean")
          .getMethod("getCurrentThreadCpuTime");
      return () -> {
        try {
          return (long) m.invoke(bean);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      };
    } catch (ReflectiveOperationException e) {
      return System::nanoTime;
    }
  }

  /**
   * Median CPU time of this thread (native code included), not wall-clock time: the build
   * machines are shared, and other processes' load would otherwise swamp the comparison.
   */
  private static double medianMicros(int warmup, int reps, Supplier<?> op) {
    for (int i = 0; i < warmup; i++) {
      release(op.get());
    }
    double[] t = new double[reps];
    for (int i = 0; i < reps; i++) {
      long s = CPU.getAsLong();
      Object result = op.get();
      t[i] = (CPU.getAsLong() - s) / 1e3;
      release(result);
    }
    Arrays.sort(t);
    return t[reps / 2];
  }

  /**
   * Frees native results at once, as a C++ benchmark reuses its destination: left to the
   * cleaner, every SEAL result would land on freshly mapped pages and the kernel's page
   * clearing would be timed instead of the operation.
   */
  private static void release(Object result) {
    if (result instanceof Iterable) {
      for (Object o : (Iterable<?>) result) {
        release(o);
      }
    } else if (result instanceof AutoCloseable) {
      try {
        ((AutoCloseable) result).close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private void row(String op, double java, double seal) {
    lines.add(String.format(Locale.ROOT, "| %-44s | %12.0f | %12.0f | %6.1fx |", op, java, seal,
        java / seal));
  }

  /** Times each operation on both backends; results[k] = {java, seal}. */
  private interface Bench {
    double[] run(HeBackend b);
  }

  private void compare(String[] names, Bench bench) {
    double[] j = bench.run(HeBackends.pureJava());
    double[] s = bench.run(SealTests.backend());
    for (int i = 0; i < names.length; i++) {
      row(names[i], j[i], s[i]);
    }
  }

  @Test
  void printTimings() {
    lines.add("| operation (thread CPU time, median) | java (us) | seal (us) | java/seal |");
    lines.add("|---|---|---|---|");
    Random rnd = new Random(1);

    HeParameters bfv = PredefinedParameters.BFV_N8192_BATCHING;
    compare(new String[] {"BFV N=8192 encode (batching)", "BFV N=8192 encrypt (public key)",
        "BFV N=8192 multiply by plaintext", "BFV N=8192 add", "BFV N=8192 multiply + relinearize",
        "BFV N=8192 rotate rows one step", "BFV N=8192 modulus switch",
        "BFV N=8192 decrypt + decode"}, b -> {
          HeContext ctx = b.createContext(bfv);
          KeyGenerator kg = ctx.keyGenerator();
          SecretKey sk = kg.secretKey();
          PublicKey pk = kg.createPublicKey();
          RelinKeys rk = kg.createRelinKeys();
          GaloisKeys gk = kg.createGaloisKeys(1);
          BfvEncoder enc = ctx.bfvEncoder();
          long[] v = new long[enc.slotCount()];
          for (int i = 0; i < v.length; i++) {
            v[i] = Math.floorMod(rnd.nextLong(), bfv.plainModulus());
          }
          Plaintext p = enc.encode(v);
          Ciphertext c = ctx.encryptor(pk).encrypt(p);
          Evaluator ev = ctx.evaluator();
          return new double[] {
              medianMicros(3, 15, () -> enc.encode(v)),
              medianMicros(3, 15, () -> ctx.encryptor(pk).encrypt(p)),
              medianMicros(3, 15, () -> ev.multiplyPlain(c, p)),
              medianMicros(3, 31, () -> ev.add(c, c)),
              medianMicros(2, 7, () -> ev.multiplyAndRelinearize(c, c, rk)),
              medianMicros(2, 9, () -> ev.rotateRows(c, 1, gk)),
              medianMicros(3, 15, () -> ev.modSwitchToNext(c)),
              medianMicros(3, 15, () -> enc.decode(ctx.decryptor(sk).decrypt(c)))};
        });

    HeParameters ckks = PredefinedParameters.CKKS_N8192;
    compare(new String[] {"CKKS N=8192 encode", "CKKS N=8192 encrypt (public key)",
        "CKKS N=8192 multiply by plaintext", "CKKS N=8192 multiply + relinearize",
        "CKKS N=8192 rescale", "CKKS N=8192 rotate one step", "CKKS N=8192 decrypt + decode",
        "CKKS N=8192 rotateHoisted, steps 1..8"},
        b -> {
          HeContext ctx = b.createContext(ckks);
          KeyGenerator kg = ctx.keyGenerator();
          SecretKey sk = kg.secretKey();
          PublicKey pk = kg.createPublicKey();
          RelinKeys rk = kg.createRelinKeys();
          GaloisKeys gk = kg.createGaloisKeys(1, 2, 3, 4, 5, 6, 7, 8);
          int[] steps = {1, 2, 3, 4, 5, 6, 7, 8};
          CkksEncoder enc = ctx.ckksEncoder();
          double[] v = new double[enc.slotCount()];
          for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble();
          }
          Plaintext p = enc.encode(v, 0x1p40);
          Ciphertext c = ctx.encryptor(pk).encrypt(p);
          Evaluator ev = ctx.evaluator();
          Ciphertext sq = ev.multiplyAndRelinearize(c, c, rk);
          return new double[] {
              medianMicros(3, 15, () -> enc.encode(v, 0x1p40)),
              medianMicros(3, 15, () -> ctx.encryptor(pk).encrypt(p)),
              medianMicros(3, 15, () -> ev.multiplyPlain(c, p)),
              medianMicros(2, 9, () -> ev.multiplyAndRelinearize(c, c, rk)),
              medianMicros(3, 15, () -> ev.rescale(sq)),
              medianMicros(2, 9, () -> ev.rotate(c, 1, gk)),
              medianMicros(3, 15, () -> enc.decode(ctx.decryptor(sk).decrypt(c))),
              medianMicros(2, 9, () -> ev.rotateHoisted(c, steps, gk))};
        });

    HeParameters twoParty = PredefinedParameters.bfvTwoParty(37, 40);
    compare(new String[] {"2PC N=8192 32 x multiply by plaintext (batch)",
        "2PC 784x128 encryptQuery (R)", "2PC 784x128 answer (S)",
        "2PC 784x128 decryptAnswer (R)"}, b -> {
          HeContext ctx = b.createContext(twoParty);
          KeyGenerator kg = ctx.keyGenerator();
          SecretKey sk = kg.secretKey();
          PublicKey pk = kg.createPublicKey();
          long t = twoParty.plainModulus();
          BfvEncoder enc = ctx.bfvEncoder();
          long[] v = new long[twoParty.polyModulusDegree()];
          for (int i = 0; i < v.length; i++) {
            v[i] = Math.floorMod(rnd.nextLong(), t);
          }
          Ciphertext c = ctx.encryptor(sk).encryptSeeded(enc.encode(v));
          Plaintext p = enc.encode(v);
          List<Ciphertext> cs = new ArrayList<>();
          List<Plaintext> ps = new ArrayList<>();
          for (int i = 0; i < 32; i++) {
            cs.add(c);
            ps.add(p);
          }
          CoefficientMatVec mv = ctx.coefficientMatVec();
          MatVecLayout layout = mv.layout(128, 784);
          long[] r = new long[784];
          long[][] w = new long[128][784];
          long[] s = new long[128];
          for (int i = 0; i < 784; i++) {
            r[i] = Math.floorMod(rnd.nextLong(), t);
          }
          for (long[] row : w) {
            for (int i = 0; i < 784; i++) {
              row[i] = Math.floorMod(rnd.nextLong(), t);
            }
          }
          List<Ciphertext> q = mv.encryptQuery(ctx.encryptor(sk), layout, r);
          List<Ciphertext> a = mv.answer(layout, q, w, s, pk, 40);
          return new double[] {
              medianMicros(1, 5, () -> ctx.evaluator().multiplyPlain(cs, ps)),
              medianMicros(2, 9, () -> mv.encryptQuery(ctx.encryptor(sk), layout, r)),
              medianMicros(2, 9, () -> mv.answer(layout, q, w, s, pk, 40)),
              medianMicros(2, 9, () -> mv.decryptAnswer(ctx.decryptor(sk), layout, a))};
        });

    // t = 2^60 is above SEAL's limit: the SEAL backend decrypts from the phase in Java.
    HeParameters sixty = PredefinedParameters.bfvTwoParty(60, 40);
    compare(new String[] {"2PC l=60 784x128 answer (S)", "2PC l=60 784x128 decryptAnswer (R)"},
        b -> {
          HeContext ctx = b.createContext(sixty);
          KeyGenerator kg = ctx.keyGenerator();
          SecretKey sk = kg.secretKey();
          CoefficientMatVec mv = ctx.coefficientMatVec();
          MatVecLayout layout = mv.layout(128, 784);
          long[] r = new long[784];
          long[][] w = new long[128][784];
          for (int i = 0; i < 784; i++) {
            r[i] = rnd.nextLong() >>> 4;
          }
          for (long[] row : w) {
            for (int i = 0; i < 784; i++) {
              row[i] = rnd.nextLong() >>> 4;
            }
          }
          long[] s = new long[128];
          PublicKey pk = kg.createPublicKey();
          List<Ciphertext> q = mv.encryptQuery(ctx.encryptor(sk), layout, r);
          List<Ciphertext> a = mv.answer(layout, q, w, s, pk, 40);
          return new double[] {
              medianMicros(2, 9, () -> mv.answer(layout, q, w, s, pk, 40)),
              medianMicros(2, 9, () -> mv.decryptAnswer(ctx.decryptor(sk), layout, a))};
        });

    // The cost of one crossing: a native call that does nothing but return.
    dev.oml.he.seal.internal.SealNative.isAvailable();
    double crossing = medianMicros(3, 9, () -> {
      for (int i = 0; i < 100_000; i++) {
        dev.oml.he.seal.internal.SealCrossing.call();
      }
      return null;
    }) / 100_000;
    lines.add("");
    lines.add(String.format(Locale.ROOT, "JNA crossing (a native call returning an int): %.3f us",
        crossing));
    System.out.println(String.join(System.lineSeparator(), lines));
  }
}
