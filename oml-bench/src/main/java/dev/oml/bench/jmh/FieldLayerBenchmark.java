package dev.oml.bench.jmh;

import dev.oml.core.field.PrimeField;
import dev.oml.mpc.auth.MacKey;
import dev.oml.mpc.gc.FieldLayerEvaluator;
import dev.oml.mpc.gc.FieldLayerGarbler;
import dev.oml.mpc.gc.FieldLayerMessages.Garbling;
import dev.oml.mpc.gc.FieldLayerMessages.InputLabels;
import dev.oml.mpc.gc.FieldLayerMessages.LabelRequest;
import dev.oml.mpc.gc.FieldLayerMessages.OtStart;
import dev.oml.mpc.gc.FieldLayerSpec;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The tier-2 garbled layer over {@code F_p} (dev.oml.mpc.gc.FieldLayerGarbler/Evaluator,
 * docs/2pc-tier2.md): a hidden layer of 128 ReLU-and-truncate circuits at {@code f = 16} with
 * the input, tag and share tables. {@code garble} is the owner's offline garbling alone (half gates,
 * label tables, OT sender setup); {@code layer} runs every step of both sides in one thread
 * (garbling, KOS15 OTs with base OTs, evaluation, label-table reads), per ReLU. The bytes of
 * each flight are counted per ReLU by {@link Bytes}. {@code window} 4 garbles the same 128
 * pre-activations as 32 fused max-pooling circuits (ReLU, then the maximum of 2x2 windows,
 * {@code FieldCircuits.maxTruncate}); figures stay per pre-activation, so the two settings
 * compare a convolution's ReLU layer with the same layer followed by max pooling.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(1)
public class FieldLayerBenchmark {
  private static final int RELUS = 128;
  private final SecureRandom rng = new SecureRandom();
  /** Pre-activations per circuit: 1 (ReLU alone) or 4 (ReLU and 2x2 max pooling). */
  @Param({"1", "4"})
  public int window;

  private FieldLayerSpec spec;
  private MacKey alpha;
  private long[] masks;
  private long[] zU;
  private long[] zO;

  /** Bytes sent in each direction, and ReLUs served, over the measured iterations. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Bytes {
    public long ownerToLicenseeBytes;
    public long licenseeToOwnerBytes;
    public long relus;

    @Setup(Level.Iteration)
    public void reset() {
      ownerToLicenseeBytes = 0;
      licenseeToOwnerBytes = 0;
      relus = 0;
    }
  }

  private long[] field(int n) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = Math.floorMod(rng.nextLong(), PrimeField.P);
    }
    return v;
  }

  @Setup
  public void setUp() {
    alpha = new MacKey(1 + Math.floorMod(rng.nextLong(), PrimeField.P - 1));
    spec = new FieldLayerSpec(FieldLayerSpec.Kind.HIDDEN, RELUS / window, 16, window);
    masks = field(RELUS / window);
    zU = field(RELUS);
    zO = field(RELUS);
  }

  @Benchmark
  @OperationsPerInvocation(RELUS)
  public Object garble() {
    return FieldLayerGarbler.garble(spec, alpha, masks, rng);
  }

  @Benchmark
  @OperationsPerInvocation(RELUS)
  public long layer(Bytes bytes) {
    FieldLayerEvaluator e = FieldLayerEvaluator.start(spec, rng);
    byte[] m1 = e.message();
    FieldLayerGarbler.Offline off = FieldLayerGarbler.garble(spec, alpha, masks, rng)
        .answer(OtStart.decode(m1));
    byte[] m2 = off.message();
    FieldLayerEvaluator.Requested q = e.receive(Garbling.decode(m2)).request(zU);
    byte[] m3 = q.message();
    FieldLayerGarbler.Online on = off.respond(LabelRequest.decode(m3), zO);
    byte[] m4 = on.message();
    FieldLayerEvaluator.Evaluated ev = q.finish(InputLabels.decode(m4));
    bytes.licenseeToOwnerBytes += m1.length + m3.length;
    bytes.ownerToLicenseeBytes += m2.length + m4.length;
    bytes.relus += RELUS;
    return ev.outputShare().tag(0) + on.inputKeys().key(0);
  }
}
