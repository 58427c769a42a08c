package dev.oml.bench.jmh;

import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.HeContext;
import dev.oml.he.KeyGenerator;
import dev.oml.he.MatVecLayout;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.PublicKey;
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
 * The coefficient-encoded matrix-vector product of the 2PC offline phase at the parameters the
 * example models need ({@code l = 45}, {@code kappa = 40}): the receiver encrypts its mask, the
 * sender answers {@code Enc(W r - s)} re-randomized, flooded and switched down, the receiver
 * decrypts. Shapes are Network A's layers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class MatVecBenchmark {
  @Param({"java"})
  public String backend;

  @Param({"128x784", "128x128", "10x128"})
  public String shape;

  @Param({"45"})
  public int ringBits;

  private CoefficientMatVec mv;
  private MatVecLayout layout;
  private Encryptor sym;
  private Decryptor dec;
  private PublicKey pk;
  private long[] r;
  private long[][] w;
  private long[] s;
  private List<Ciphertext> query;
  private List<Ciphertext> answer;

  @Setup
  public void setup() {
    HeContext ctx = Backends.byName(backend).createContext(PredefinedParameters.bfvTwoParty(ringBits, 40));
    KeyGenerator kg = ctx.keyGenerator();
    pk = kg.createPublicKey();
    sym = ctx.encryptor(kg.secretKey());
    dec = ctx.decryptor(kg.secretKey());
    mv = ctx.coefficientMatVec();
    String[] d = shape.split("x");
    int rows = Integer.parseInt(d[0]);
    int cols = Integer.parseInt(d[1]);
    layout = mv.layout(rows, cols);
    Random rnd = new Random(1);
    long mask = (1L << ringBits) - 1;
    r = new long[cols];
    for (int i = 0; i < cols; i++) {
      r[i] = rnd.nextLong() & mask;
    }
    w = new long[rows][cols];
    for (long[] row : w) {
      for (int j = 0; j < cols; j++) {
        row[j] = rnd.nextLong() & mask;
      }
    }
    s = new long[rows];
    for (int i = 0; i < rows; i++) {
      s[i] = rnd.nextLong() & mask;
    }
    query = mv.encryptQuery(sym, layout, r);
    answer = mv.answer(layout, query, w, s, pk, 40);
  }

  @Benchmark
  public List<Ciphertext> encryptQuery() {
    return mv.encryptQuery(sym, layout, r);
  }

  @Benchmark
  public List<Ciphertext> answer() {
    return mv.answer(layout, query, w, s, pk, 40);
  }

  @Benchmark
  public long[] decryptAnswer() {
    return mv.decryptAnswer(dec, layout, answer);
  }
}
