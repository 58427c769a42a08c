package dev.oml.bench.jmh;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.mpc.gc.ReluReshareEvaluator;
import dev.oml.mpc.gc.ReluReshareGarbler;
import dev.oml.mpc.ot.KosReceiver;
import dev.oml.mpc.ot.KosSender;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The 2PC building blocks: KOS15 random OT extension (time per OT, both parties in one thread,
 * base OTs included), and the ReLU-and-reshare layer of Network A's hidden width (time per
 * neuron, offline and online, both parties over the in-memory channel on two threads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(1)
public class TwoPartyPrimitivesBenchmark {
  private static final int OTS = 1 << 20;
  private static final int NEURONS = 256;
  private static final FixedPointFormat FORMAT = FixedPointFormat.of(45, 12);
  private final SecureRandom rng = new SecureRandom();

  @Benchmark
  @OperationsPerInvocation(OTS)
  public Object kosRandomOt() {
    KosReceiver r = new KosReceiver(OTS, rng);
    KosSender s = new KosSender(OTS, rng);
    byte[] m1 = r.firstMessage();
    byte[] m2 = s.secondMessage(m1);
    byte[] m3 = r.thirdMessage(m2);
    return s.finish(m3);
  }

  @Benchmark
  @OperationsPerInvocation(NEURONS)
  public long[] reluReshareOfflineAndOnline() throws Exception {
    InMemoryChannel.Pair p = InMemoryChannel.pair();
    long[] z = new long[NEURONS];
    CompletableFuture<Void> owner = CompletableFuture.runAsync(() -> {
      ReluReshareGarbler g = new ReluReshareGarbler(FORMAT, NEURONS, rng);
      g.runOffline(p.first());
      g.runOnline(p.first(), z);
    });
    ReluReshareEvaluator e = new ReluReshareEvaluator(FORMAT, NEURONS, rng);
    e.runOffline(p.second());
    long[] out = e.runOnline(p.second(), z);
    owner.get();
    return out;
  }
}
