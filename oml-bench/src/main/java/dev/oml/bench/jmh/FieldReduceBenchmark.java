package dev.oml.bench.jmh;

import dev.oml.core.field.PrimeField;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One 128-bit reduction into {@code F_p}, as the VOLE's corrections and the label tables do per
 * OT and per wire: {@link PrimeField#reduce128} (the fold by {@code 2^46 = 2^46 - p}, no
 * division) beside the formulation it replaced, kept here as the reference (both halves reduced
 * by the JDK's unsigned remainder, then one Barrett product by {@code 2^64 mod p}). Both sum
 * their results over the same 4,096 random words so neither is optimized away.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(1)
public class FieldReduceBenchmark {
  private static final int N = 4096;
  private static final long TWO64 = java.math.BigInteger.ONE.shiftLeft(64)
      .mod(java.math.BigInteger.valueOf(PrimeField.P)).longValueExact();
  private final long[] lo = new long[N];
  private final long[] hi = new long[N];

  @Setup
  public void setUp() {
    SplittableRandom rnd = new SplittableRandom(14);
    for (int i = 0; i < N; i++) {
      lo[i] = rnd.nextLong();
      hi[i] = rnd.nextLong();
    }
    for (int i = 0; i < N; i++) {
      if (remainders(lo[i], hi[i]) != PrimeField.reduce128(lo[i], hi[i])) {
        throw new IllegalStateException("the two reductions disagree at " + i);
      }
    }
  }

  private static long remainders(long l, long h) {
    long a = Long.remainderUnsigned(h, PrimeField.P);
    long b = Long.remainderUnsigned(l, PrimeField.P);
    return PrimeField.add(PrimeField.mul(a, TWO64), b);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public long reduce128() {
    long s = 0;
    for (int i = 0; i < N; i++) {
      s += PrimeField.reduce128(lo[i], hi[i]);
    }
    return s;
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public long unsignedRemainders() {
    long s = 0;
    for (int i = 0; i < N; i++) {
      s += remainders(lo[i], hi[i]);
    }
    return s;
  }
}
