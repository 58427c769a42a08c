package dev.oml.mpc.attacks;

import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.internal.UserProtocol;
import dev.oml.mpc.testkit.LocalRun;
import java.util.Arrays;

/**
 * Attack (b) of issue #14 as a component: offsets on the licensee's first-layer shares before
 * the ReLU circuits (MUSE, Lehmkuhl et al., USENIX Security 2021), through the user engine's
 * share seam. It adds {@link #KILL} to every first-layer neuron but one and {@code delta} to that
 * one, so the output depends on the input only through {@code ReLU((a + delta) >> f)} with
 * {@code a = W[n] x + b[n]}; the smallest {@code delta} at which the output leaves the all-dead
 * constant is {@code c - a} for a constant {@code c} of the model, so two binary searches (on
 * input 0 and on {@code e_j}) give {@code W[n][j]} exactly. Works on the output the policy gives
 * (a label or logits); bundles are prepared as needed and counted.
 */
final class ShareOffsetAttack {
  /** Kills a neuron: far below any honest pre-activation, far from wrapping the ring. */
  static final long KILL = -(1L << 14);
  /** The search range of delta: wide enough for the output to move, narrow enough not to wrap. */
  static final long RANGE = 1L << 12;

  private final LocalRun run;
  private final ModifiedLicensee licensee;
  private final OutputPolicy policy;
  private final int bundleSize;
  private final int neurons;
  private final int inputs;
  private long[] offsets;
  private TwoPartyOwner.Session session;
  private UserProtocol.Bundle bundle;
  private int queries;

  ShareOffsetAttack(LocalRun run, ModifiedLicensee licensee, int bundleSize) {
    this.run = run;
    this.licensee = licensee;
    this.policy = run.owner.policy();
    this.bundleSize = bundleSize;
    this.neurons = licensee.engine().plan().stage(0).rows();
    this.inputs = licensee.engine().plan().inputs();
    licensee.engine().tamperSharesForTesting((query, stage, zU) -> {
      if (stage == 0) {
        for (int k = 0; k < zU.length; k++) {
          zU[k] += offsets[k];
        }
      }
    });
  }

  /** Queries run so far. */
  int queries() {
    return queries;
  }

  /** The output for input {@code x} with {@code delta} on {@code neuron}, the others killed. */
  String output(long[] x, int neuron, long delta) {
    offsets = new long[neurons];
    Arrays.fill(offsets, KILL);
    offsets[neuron] = delta;
    if (bundle == null || bundle.remaining() == 0) {
      session = run.owner.newSession();
      bundle = licensee.prepare(session, bundleSize);
    }
    queries++;
    ModifiedLicensee.Output o = licensee.infer(session, bundle, x);
    return policy == OutputPolicy.LABEL ? "label " + o.label() : Arrays.toString(o.logits());
  }

  /** The smallest delta in {@code (-RANGE, RANGE]} at which the output leaves {@code dead}. */
  long threshold(long[] x, int neuron, String dead) {
    long lo = -RANGE;
    long hi = RANGE;
    while (hi - lo > 1) {
      long mid = (lo + hi) / 2;
      if (output(x, neuron, mid).equals(dead)) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi;
  }

  /** A recovered part of a first-layer row: the neuron and its first weights (signed). */
  record Row(int neuron, long[] weights) {}

  /**
   * Picks the first neuron that can move the output, then recovers its first {@code count}
   * weights.
   *
   * @throws IllegalStateException if no neuron moves the output within the range
   */
  Row recoverRow(int count) {
    long[] zero = new long[inputs];
    String dead = output(zero, 0, KILL);
    int neuron = -1;
    for (int n = 0; n < neurons && neuron < 0; n++) {
      if (!output(zero, n, RANGE).equals(dead)) {
        neuron = n;
      }
    }
    if (neuron < 0) {
      throw new IllegalStateException("no neuron moves the output");
    }
    long base = threshold(zero, neuron, dead);
    long[] w = new long[count];
    for (int j = 0; j < count; j++) {
      long[] unit = new long[inputs];
      unit[j] = 1;
      w[j] = base - threshold(unit, neuron, dead);
    }
    return new Row(neuron, w);
  }
}
