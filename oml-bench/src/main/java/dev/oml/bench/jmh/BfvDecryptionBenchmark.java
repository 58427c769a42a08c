package dev.oml.bench.jmh;

import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.Decryptor;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.KeyGenerator;
import dev.oml.he.MatVecLayout;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.java.internal.BfvRounding;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The owner's BFV decryption in the served two-party protocol, at the parameters of {@code
 * OfflineHe.standard()} (N = 8192, 60 + 3 x 52-bit primes, {@code t = p}, kappa 40): the
 * scale-and-round {@code round(t x / Q) mod t} of all N coefficients of a uniform phase at
 * {@code level}, in word arithmetic ({@link BfvRounding#round}) against its big-integer
 * definition ({@link BfvRounding#roundReference}, the former decryption path) in the same run,
 * and the whole decryption of one layer's extracted answers (Network A's first layer, 128 x 784:
 * the phase with its inverse NTTs, then the rounding at the kept positions).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BfvDecryptionBenchmark {
  /** A uniform phase at one level. */
  @State(Scope.Benchmark)
  public static class Phase {
    /** Level of the phase: 3 is the top (all four primes), 1 keeps two. */
    @Param({"3", "1"})
    public int level;

    BfvRounding rounding;
    long[][] rows;
    long[] out;

    @Setup
    public void setup() {
      HeParameters p = PredefinedParameters.bfvPrimeField(40);
      rounding = BfvRounding.forParameters(p);
      int n = p.polyModulusDegree();
      long[] primes = p.coeffModulus();
      Random rnd = new Random(1);
      rows = new long[level + 1][n];
      for (int i = 0; i <= level; i++) {
        for (int j = 0; j < n; j++) {
          rows[i][j] = Math.floorMod(rnd.nextLong(), primes[i]);
        }
      }
      out = new long[n];
    }
  }

  private CoefficientMatVec mv;
  private MatVecLayout layout;
  private Decryptor dec;
  private List<Ciphertext> answer;

  @Setup
  public void setup() {
    HeParameters p = PredefinedParameters.bfvPrimeField(40);
    Random rnd = new Random(1);
    HeContext ctx = HeBackends.pureJava().createContext(p);
    KeyGenerator kg = ctx.keyGenerator();
    dec = ctx.decryptor(kg.secretKey());
    mv = ctx.coefficientMatVec();
    layout = mv.layout(128, 784);
    long t = p.plainModulus();
    long[] r = new long[784];
    for (int i = 0; i < r.length; i++) {
      r[i] = Math.floorMod(rnd.nextLong(), t);
    }
    long[][] w = new long[128][784];
    for (long[] row : w) {
      for (int j = 0; j < row.length; j++) {
        row[j] = Math.floorMod(rnd.nextLong(), t);
      }
    }
    long[] s = new long[128];
    for (int i = 0; i < s.length; i++) {
      s[i] = Math.floorMod(rnd.nextLong(), t);
    }
    answer = mv.answer(layout, mv.encryptQuery(ctx.encryptor(kg.secretKey()), layout, r), w, s,
        kg.createPublicKey(), 40);
  }

  @Benchmark
  public long[] roundWords(Phase ph) {
    ph.rounding.round(ph.rows, ph.level, null, ph.out);
    return ph.out;
  }

  @Benchmark
  public long[] roundBigInteger(Phase ph) {
    for (int j = 0; j < ph.out.length; j++) {
      ph.out[j] = ph.rounding.roundReference(ph.rows, ph.level, j);
    }
    return ph.out;
  }

  @Benchmark
  public long[] decryptAnswer() {
    return mv.decryptAnswer(dec, layout, answer);
  }
}
