package dev.oml.mpc.tier2;

import dev.oml.core.ledger.AbortRecord;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ForwardingChannel;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.testkit.Tier2Fixture;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Test harness for attacks on the tier-2 bundle as the owner server serves it: the owner reads
 * the bundle's permitted first message and calls {@link PermittedTier2Owner#serve} on a second
 * thread, then closes its end (as the server does after sending the reason of a failure); the
 * fixture's honest {@link Tier2User} runs the bundle on this thread. Both ends sit behind
 * recording wrappers: the licensee's records every message it sends and may replace any one of
 * them (hang up, garbage, a replayed message), the owner's records every release and refusal it
 * sends, so a test can tell exactly which queries' outputs left the owner.
 */
final class ServedBundle {
  private ServedBundle() {}

  /** What the licensee's wire sends instead of its message number {@code index}. */
  interface Tamper {
    /**
     * The message to send in place of {@code honest}, {@code honest} itself to leave it, or null
     * to hang up instead of sending it.
     */
    byte[] apply(int index, byte[] honest);
  }

  /** No tampering. */
  static final Tamper HONEST = (i, m) -> m;

  /** The licensee's end: records what the honest client meant to send, sends what tamper says. */
  static final class UserWire extends ForwardingChannel {
    final List<byte[]> intended = Collections.synchronizedList(new ArrayList<>());
    private final Tamper tamper;

    UserWire(Channel inner, Tamper tamper) {
      super(inner);
      this.tamper = tamper;
    }

    @Override
    public void send(byte[] message) {
      int index = intended.size();
      intended.add(message.clone());
      byte[] out = tamper.apply(index, message.clone());
      if (out == null) {
        inner().close();
        throw new ProtocolAbortException("the licensee hung up instead of sending message "
            + index);
      }
      super.send(out);
    }
  }

  /** The owner's end: records the query index of every release and refusal it sends. */
  static final class OwnerWire extends ForwardingChannel {
    final List<Integer> released = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> refused = Collections.synchronizedList(new ArrayList<>());

    OwnerWire(Channel inner) {
      super(inner);
    }

    @Override
    public void send(byte[] message) {
      if (message.length > 0 && message[0] == (byte) Tier2Messages.TAG_RELEASE) {
        // the only owner message with this tag; parsed independently of the protocol's code
        int query = (int) dev.oml.mpc.internal.Blocks.getLong(message, 1);
        boolean accepted = dev.oml.mpc.internal.Blocks.getLong(message, 9) == 1;
        (accepted ? released : refused).add(query);
      }
      super.send(message);
    }
  }

  /**
   * One served bundle: the licensee's results of the queries it completed, both sides' failures,
   * the licensee's intended messages (index 0 is the permitted first message), where its offline
   * phase and each query ended (in message indices: {@code ends[0]} messages were sent when the
   * offline phase was done, {@code ends[q + 1]} when query {@code q} was), the owner's releases
   * and refusals, and the ledger's view after the bundle.
   */
  record Outcome(List<Tier2User.Result> results, RuntimeException userError,
      RuntimeException ownerError, List<byte[]> sent, int[] ends, List<Integer> released,
      List<Integer> refused, long charged, AbortRecord aborts) {
    /** The message index where query {@code q}'s online messages start. */
    int queryStart(int q) {
      return ends[q];
    }
  }

  /**
   * Serves one bundle of {@code inputs.length} queries (output LOGITS) from {@code fx}'s
   * licensee to {@code fx}'s owner, the licensee's sends going through {@code tamper}.
   */
  static Outcome run(Tier2Fixture fx, long[][] inputs, Tamper tamper) throws Exception {
    InMemoryChannel.Pair pair = InMemoryChannel.pair();
    OwnerWire ownerWire = new OwnerWire(pair.first());
    UserWire userWire = new UserWire(pair.second(), tamper);
    CompletableFuture<RuntimeException> owner = CompletableFuture.supplyAsync(() -> {
      try {
        byte[] first = ownerWire.receive();
        fx.owner.serve(ownerWire, first);
        return null;
      } catch (RuntimeException e) {
        return e;
      } finally {
        pair.first().close();
      }
    });
    List<Tier2User.Result> results = new ArrayList<>();
    int[] ends = new int[inputs.length + 1];
    java.util.Arrays.fill(ends, -1);
    RuntimeException userError = null;
    try {
      Tier2User.Bundle b = fx.user.prepare(userWire, fx.licensee, inputs.length,
          OutputPolicy.LOGITS, fx::permit);
      ends[0] = userWire.intended.size();
      for (long[] x : inputs) {
        results.add(b.query(userWire, x));
        ends[results.size()] = userWire.intended.size();
      }
    } catch (RuntimeException e) {
      userError = e;
    } finally {
      userWire.close();
    }
    RuntimeException ownerError = owner.get(120, TimeUnit.SECONDS);
    return new Outcome(results, userError, ownerError, List.copyOf(userWire.intended), ends,
        List.copyOf(ownerWire.released), List.copyOf(ownerWire.refused), fx.charged(),
        fx.ledger.aborts(fx.licensee.keyId()));
  }

  /** Inputs of a bundle: {@code n} deterministic inputs of the fixture's model. */
  static long[][] inputs(Tier2Fixture fx, int n, int seed) {
    long[][] xs = new long[n][];
    java.util.Random r = new java.util.Random(seed);
    int cols = fx.reference.quantized().cols(firstLinear(fx));
    for (int k = 0; k < n; k++) {
      double[] x = new double[cols];
      for (int i = 0; i < cols; i++) {
        x[i] = r.nextDouble() * 2 - 1;
      }
      xs[k] = fx.user.encodeInput(x);
    }
    return xs;
  }

  private static int firstLinear(Tier2Fixture fx) {
    for (int i = 0; ; i++) {
      if (fx.reference.quantized().isLinear(i)) {
        return i;
      }
    }
  }
}
