package dev.oml.bench.jmh;

import dev.oml.core.field.PrimeField;
import dev.oml.mpc.auth.AuthenticatedVector;
import dev.oml.mpc.auth.LabelTable;
import dev.oml.mpc.auth.MacKey;
import dev.oml.mpc.auth.VoleReceiver;
import dev.oml.mpc.auth.VoleSender;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The tier-2 authenticated building blocks (dev.oml.mpc.auth, docs/2pc-tier2.md): VOLE with
 * {@code Delta = alpha} (time per authenticated element, both parties' local steps in one
 * thread, base OTs included), and SIMC label tables for a ReLU's 46-bit input and 46-bit output
 * share (time per ReLU, garbling plus evaluation and the wire format; the bytes per ReLU are
 * counted by {@link TableBytes}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(1)
public class AuthBlocksBenchmark {
  private static final int VOLE_ELEMENTS = 1 << 14;
  private static final int RELUS = 256;
  private static final int WIRES = PrimeField.BITS;
  private final SecureRandom rng = new SecureRandom();
  private MacKey alpha;
  private long[] values;
  private long[] zeroLabels;
  private long[] activeLabels;
  private long dlo;
  private long dhi;
  private final int[] wires = new int[WIRES];
  private final long[] weights = LabelTable.unsignedWeights(WIRES);

  /** Label-table bytes sent, and ReLUs served, over the measured iterations. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class TableBytes {
    public long labelTableBytes;
    public long relus;

    @Setup(Level.Iteration)
    public void reset() {
      labelTableBytes = 0;
      relus = 0;
    }
  }

  @Setup
  public void setUp() {
    alpha = new MacKey(1 + Math.floorMod(rng.nextLong(), PrimeField.P - 1));
    values = new long[VOLE_ELEMENTS];
    for (int i = 0; i < values.length; i++) {
      values[i] = Math.floorMod(rng.nextLong(), PrimeField.P);
    }
    zeroLabels = new long[2 * WIRES * RELUS];
    activeLabels = new long[zeroLabels.length];
    dlo = rng.nextLong() | 1;
    dhi = rng.nextLong();
    for (int i = 0; i < zeroLabels.length; i += 2) {
      zeroLabels[i] = rng.nextLong();
      zeroLabels[i + 1] = rng.nextLong();
      boolean one = rng.nextBoolean();
      activeLabels[i] = zeroLabels[i] ^ (one ? dlo : 0);
      activeLabels[i + 1] = zeroLabels[i + 1] ^ (one ? dhi : 0);
    }
    for (int j = 0; j < WIRES; j++) {
      wires[j] = j;
    }
  }

  @Benchmark
  @OperationsPerInvocation(VOLE_ELEMENTS)
  public AuthenticatedVector voleElement() {
    VoleReceiver u = new VoleReceiver(values, rng);
    VoleSender o = new VoleSender(alpha, VOLE_ELEMENTS, rng);
    byte[] m4 = o.fourthMessage(u.thirdMessage(o.secondMessage(u.firstMessage())));
    return u.finish(m4);
  }

  @Benchmark
  @OperationsPerInvocation(RELUS)
  public long labelTablesPerRelu(TableBytes bytes) {
    long acc = 0;
    // the input table (z_U) and the output table (the new share) of RELUS neurons
    for (int t = 0; t < 2; t++) {
      long tweak = LabelTable.tweakBase(t);
      LabelTable.Garbled g = LabelTable.garble(zeroLabels, wires, weights, RELUS, dlo, dhi,
          alpha, tweak);
      byte[] msg = g.table().toMessage();
      bytes.labelTableBytes += msg.length;
      long[] tags = LabelTable.fromMessage(msg, RELUS, WIRES).evaluate(activeLabels, wires,
          weights, tweak);
      acc += tags[0] + g.keys().key(0);
    }
    bytes.relus += RELUS;
    return acc;
  }
}
