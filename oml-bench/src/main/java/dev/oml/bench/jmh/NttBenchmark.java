package dev.oml.bench.jmh;

import dev.oml.he.HeParameters;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.java.internal.Modulus;
import dev.oml.he.java.internal.NttTable;
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
 * One negacyclic NTT of the pure-Java backend, forward and inverse, at N = 8192 modulo one prime
 * of {@code OfflineHe.standard()} ({@code prime} indexes its chain: 0 is the 60-bit one). Each
 * operation transforms a fresh copy of the same canonical row, so the copy is part of the time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NttBenchmark {
  @Param({"0", "1"})
  public int prime;

  private NttTable table;
  private long[] row;
  private long[] work;

  @Setup
  public void setup() {
    HeParameters p = PredefinedParameters.bfvPrimeField(40);
    Modulus m = new Modulus(p.coeffModulus()[prime]);
    table = new NttTable(p.polyModulusDegree(), m);
    Random rnd = new Random(1);
    row = new long[p.polyModulusDegree()];
    for (int j = 0; j < row.length; j++) {
      row[j] = Math.floorMod(rnd.nextLong(), m.q);
    }
    work = new long[row.length];
  }

  @Benchmark
  public long[] forward() {
    System.arraycopy(row, 0, work, 0, row.length);
    table.forward(work);
    return work;
  }

  @Benchmark
  public long[] inverse() {
    System.arraycopy(row, 0, work, 0, row.length);
    table.inverse(work);
    return work;
  }
}
