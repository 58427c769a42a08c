package dev.oml.he.inference.internal;

import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.Evaluator;
import dev.oml.he.GaloisKeys;
import dev.oml.he.Plaintext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * One linear layer {@code y = A x + b} over the interleaved slot layout (slot {@code f * B + b}
 * holds feature {@code f} of image lane {@code b}), computed with the diagonal method and
 * baby-step giant-step rotations. Rotations move whole features, so lanes never mix.
 *
 * <p>Two shapes. A hidden layer uses the hybrid method: {@code dOut = nextPow2(rows)} diagonals
 * {@code D_i[f] = A[f mod dOut][(f + i) mod dIn]} of the input's period {@code dIn}, then a
 * rotate-and-sum over the {@code dIn / dOut} chunks, whose cyclic form leaves every position
 * holding {@code y[f mod dOut]}: the output is periodic, never partial sums. The last layer uses
 * the square method over {@code d = max(dIn, nextPow2(rows))} diagonals with no rotation after
 * the products, so the 0/1 output mask (only features {@code < rows} of lanes {@code < n}) is
 * folded into the diagonals and costs no level. Columns beyond the layer's inputs get zero
 * weights, which is what erases whatever an input carries outside its real features.
 */
public final class LinearStep {
  final int rows;
  final int cols;
  final double[] a;
  final double[] bias;
  final int inPeriod;
  final boolean last;
  final boolean first;
  final int dOut;
  final int dIn;
  final int numDiagonals;
  final int baby;
  final int giant;
  final int[] sumSteps;
  final boolean[] used;
  final int level;
  /** 0.5 on the first layer when the input is replaced by {@code x + conj(x)}, else 1. */
  final double inputFactor;
  /** Baby steps as one hoisted rotation (keys for every baby step) instead of a chain. */
  final boolean hoisted;
  /** Primes the step drops (its plaintexts are at their product's scale). */
  final int primesPerLevel;
  private final Map<Integer, Plaintext[][]> cache = new ConcurrentHashMap<>();

  LinearStep(int rows, int cols, double[] a, double[] bias, int inPeriod, int features,
      boolean first, boolean last, int level, double inputFactor, boolean hoisted,
      int primesPerLevel) {
    this.primesPerLevel = primesPerLevel;
    this.inputFactor = inputFactor;
    this.hoisted = hoisted;
    this.rows = rows;
    this.cols = cols;
    this.a = a;
    this.bias = bias;
    this.inPeriod = inPeriod;
    this.first = first;
    this.last = last;
    this.level = level;
    int out = Integer.highestOneBit(Math.max(1, rows - 1)) << (rows > 1 ? 1 : 0);
    if (last) {
      this.dIn = Math.max(inPeriod, out);
      this.dOut = dIn;
      this.numDiagonals = dIn;
      this.sumSteps = new int[0];
    } else {
      this.dOut = out;
      this.dIn = Math.max(inPeriod, out);
      this.numDiagonals = dOut;
      List<Integer> s = new ArrayList<>();
      for (int w = dOut; w < dIn; w *= 2) {
        s.add(w);
      }
      this.sumSteps = s.stream().mapToInt(Integer::intValue).toArray();
    }
    if (dIn > features) {
      throw new IllegalArgumentException("layer wider than the slot layout");
    }
    this.used = new boolean[numDiagonals];
    for (int i = 0; i < numDiagonals; i++) {
      for (int f = 0; f < (last ? rows : dIn) && !used[i]; f++) {
        int r = last ? f : f % dOut;
        int c = (f + i) % dIn;
        if (r < rows && c < cols && a[r * cols + c] != 0.0) {
          used[i] = true;
        }
      }
    }
    // The baby-step giant-step shape follows the architecture (the number of diagonals), not
    // which diagonals happen to be zero: the plan publishes the rotations, and they must not
    // reveal the weights' sparsity. All-zero diagonals are still skipped when multiplying.
    int m = numDiagonals;
    int g = 1;
    while (g * g < m) {
      g *= 2;
    }
    this.baby = g;
    this.giant = (m + g - 1) / g;
  }

  /** Rotation steps, in features, that this step needs keys for. */
  List<Integer> featureRotations() {
    List<Integer> r = new ArrayList<>();
    for (int l = 1; l < (hoisted ? baby : Math.min(baby, 2)); l++) {
      r.add(l);
    }
    if (giant > 1) {
      r.add(baby);
    }
    for (int s : sumSteps) {
      r.add(s);
    }
    return r;
  }

  int rotationCount() {
    return Math.max(0, baby - 1) + Math.max(0, giant - 1) + sumSteps.length;
  }

  /** The output period (hidden layers) or {@code -1} for the masked prefix of the last layer. */
  int outPeriod() {
    return last ? -1 : dOut;
  }

  double diagonal(int i, int f) {
    int r = last ? f : f % dOut;
    if (last && f >= rows) {
      return 0.0;
    }
    int c = (f + i) % dIn;
    return r < rows && c < cols ? a[r * cols + c] * inputFactor : 0.0;
  }

  /** Lane {@code b} takes part if {@code b < lanes}; the first and last layers zero the rest. */
  private boolean laneMasked() {
    return first || last;
  }

  private Plaintext[][] plaintexts(Layout lay, CkksEncoder enc, double plainScale, int lanes) {
    int key = laneMasked() ? lanes : lay.lanes();
    Plaintext[][] p = cache.get(key);
    if (p != null) {
      return p;
    }
    int slots = lay.slots();
    int bl = lay.lanes();
    p = new Plaintext[giant][baby];
    double[] d = new double[slots];
    double[] rot = new double[slots];
    for (int k = 0; k < giant; k++) {
      for (int l = 0; l < baby; l++) {
        int i = k * baby + l;
        if (i >= numDiagonals || !used[i]) {
          continue;
        }
        for (int f = 0; f < lay.features(); f++) {
          double v = diagonal(i, f);
          for (int b = 0; b < bl; b++) {
            d[f * bl + b] = b < key ? v : 0.0;
          }
        }
        // P_{k,l}[t] = D_{gk+l}[t - gk]: pre-rotated right by the giant step.
        int shift = (k * baby * bl) % slots;
        for (int t = 0; t < slots; t++) {
          rot[t] = d[Math.floorMod(t - shift, slots)];
        }
        p[k][l] = enc.encode(rot, new double[0], plainScale, level);
      }
    }
    // One entry per lane count (at most lanes + 1: the full-lane one and each partial count),
    // so queries with a partly filled last ciphertext do not re-encode the masked layers.
    if (cache.size() > lay.lanes()) {
      cache.clear();
    }
    cache.put(key, p);
    return p;
  }

  /** Bias laid out like the output: periodic for hidden layers, masked prefix for the last. */
  double[] biasSlots(Layout lay, int lanes) {
    double[] v = new double[lay.slots()];
    for (int f = 0; f < lay.features(); f++) {
      int r = last ? f : f % dOut;
      if (r >= rows || (last && f >= rows)) {
        continue;
      }
      for (int b = 0; b < lay.lanes(); b++) {
        if (!last || b < lanes) {
          v[f * lay.lanes() + b] = bias[r];
        }
      }
    }
    return v;
  }

  Ciphertext apply(Ciphertext x, Layout lay, CkksEncoder enc, Evaluator ev, GaloisKeys gk,
      double plainScale, int lanes) {
    return apply(x, lay, enc, ev, gk, plainScale, lanes, null);
  }

  /**
   * {@link #apply}, with a second thread from {@code executor} (if not null) for one image.
   * Where the backend splits a key switch over two threads ({@link Evaluator#withKeySwitchThreads}:
   * SEAL), every rotation of the step is split so, the hoisted baby steps are one call whose
   * decomposition is shared by both threads, and the giant-step groups' inner products are one
   * call ({@link Evaluator#multiplyPlainSums}) on both threads before the giant steps;
   * elsewhere the hoisted baby steps are split in two halves, one per thread, each with its own
   * decomposition, and the groups' inner products are computed on the second thread while this
   * thread runs the giant steps' rotations. The answer is the one-thread answer to the last
   * residue.
   */
  Ciphertext apply(Ciphertext x, Layout lay, CkksEncoder enc, Evaluator ev0, GaloisKeys gk,
      double plainScale, int lanes, Executor executor) {
    Plaintext[][] p = plaintexts(lay, enc, plainScale, lanes);
    // ev: the rotations' evaluator (two threads per key switch where the backend can).
    Evaluator ev = executor == null ? ev0 : ev0.withKeySwitchThreads(2);
    boolean splitKeySwitch = ev.keySwitchThreads() > 1;
    int bl = lay.lanes();
    Ciphertext[] xs = new Ciphertext[baby];
    xs[0] = x;
    if (hoisted && baby > 1) {
      // With a second thread and no split key switch, steps [1, h) here and [h, baby) there
      // (hoisting shares a decomposition within each half).
      int h = executor != null && !splitKeySwitch && baby > 2 ? (baby + 1) / 2 : baby;
      int[] here = new int[h - 1];
      int[] there = new int[baby - h];
      for (int l = 1; l < baby; l++) {
        if (l < h) {
          here[l - 1] = l * bl;
        } else {
          there[l - h] = l * bl;
        }
      }
      Fork<List<Ciphertext>> other = there.length == 0 ? null
          : Fork.start(() -> ev.rotateHoisted(x, there, gk), executor);
      List<Ciphertext> r = ev.rotateHoisted(x, here, gk);
      for (int l = 1; l < h; l++) {
        xs[l] = r.get(l - 1);
      }
      if (other != null) {
        List<Ciphertext> r2 = other.join();
        for (int l = h; l < baby; l++) {
          xs[l] = r2.get(l - h);
        }
      }
    } else {
      for (int l = 1; l < baby; l++) {
        xs[l] = ev.rotate(xs[l - 1], bl, gk);
      }
    }
    // Group k's inner product. Where key switches split over two threads, all groups are one
    // call on both threads, which reads each baby step once for all groups, before the giant
    // steps; elsewhere groups below the first are offered to the executor, in the order the
    // giant steps need them, while this thread runs the giant steps.
    List<Fork<Ciphertext>> groups = new ArrayList<>(giant);
    if (splitKeySwitch) {
      for (Ciphertext s : ev.multiplyPlainSums(java.util.Arrays.asList(xs), p)) {
        groups.add(Fork.start(() -> s, null));
      }
    } else {
      for (int k = 0; k < giant; k++) {
        groups.add(null);
      }
      for (int k = giant - 1; k >= 0; k--) {
        int kk = k;
        groups.set(k, Fork.start(() -> groupSum(kk, p, xs, ev),
            k == giant - 1 ? null : executor));
      }
    }
    Ciphertext acc = null;
    for (int k = giant - 1; k >= 0; k--) {
      if (acc != null) {
        // The rotation runs here while the executor works on the next groups.
        acc = ev.rotate(acc, baby * bl, gk);
        Ciphertext s = groups.get(k).join();
        if (s != null) {
          acc = ev.add(acc, s);
        }
      } else {
        acc = groups.get(k).join();
      }
    }
    if (acc == null) {
      acc = ev.multiplyPlain(x, enc.encode(new double[lay.slots()], new double[0], plainScale, level));
    }
    acc = HeProgram.rescale(ev, acc, primesPerLevel);
    for (int w : sumSteps) {
      acc = ev.add(acc, ev.rotate(acc, w * bl, gk));
    }
    Plaintext b = enc.encode(biasSlots(lay, lanes), new double[0], acc.scale(), acc.level());
    return ev.addPlain(acc, b);
  }

  /** {@code sum_l P_{k,l} * xs[l]} over the group's used diagonals, or null if none is. */
  private Ciphertext groupSum(int k, Plaintext[][] p, Ciphertext[] xs, Evaluator ev) {
    List<Ciphertext> terms = new ArrayList<>(baby);
    List<Plaintext> diagonals = new ArrayList<>(baby);
    for (int l = 0; l < baby; l++) {
      if (p[k][l] != null) {
        terms.add(xs[l]);
        diagonals.add(p[k][l]);
      }
    }
    return terms.isEmpty() ? null : ev.multiplyPlainSum(terms, diagonals);
  }
}
