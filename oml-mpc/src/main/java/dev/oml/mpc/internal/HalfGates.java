package dev.oml.mpc.internal;

import dev.oml.mpc.circuit.Circuit;
import java.util.Arrays;

/**
 * The garbling engine: free-XOR (Kolesnikov-Schneider) and half gates (Zahur, Rosulek, Evans,
 * EUROCRYPT 2015), two ciphertexts per AND gate, with point-and-permute on the label's lowest
 * bit and {@link FixedKeyAes} as the hash. It garbles {@code n} instances of one circuit
 * together and walks the circuit's AND levels, so each level costs one AES batch over all its
 * AND gates and instances. Instances are processed in chunks so that one chunk's labels stay in
 * cache.
 *
 * <p>Label arrays are wire-major: wire {@code w} of instance {@code k} is the block at
 * {@code 2 * (w * n + k)}; the garbler's arrays hold zero-labels (the one-label is the
 * zero-label XOR {@code Delta}). AND gate {@code a} (its index among AND gates) of instance
 * {@code k} has its two ciphertexts at {@code tables[4 * (a * n + k)]} and uses the hash tweaks
 * {@code 2t}, {@code 2t + 1} with {@code t = tweakBase + a * n + k}, so no tweak repeats within
 * one garbling; every garbling must use a fresh {@code Delta}. With two processors the garbler
 * splits the instances in two halves that run at the same time ({@link Parallel}); so does the
 * evaluator (most of the licensee's online work, while the owner waits), but only when the
 * second core is idle ({@link Parallel#idleCore()}): on cores busy with other work the split
 * evaluation ended later than one thread.
 */
public final class HalfGates {
  /**
   * Instances per chunk, so that a chunk's labels stay in cache: the {@code F_p} ReLU circuit has
   * about 1,500 wires, 0.8 MB of labels at 32 instances (3.1 MB at 128). Measured on a ReLU layer
   * of 128 instances (thread CPU time, one core): 32 evaluates in 1.65-1.68 ms and garbles in
   * 2.7-3.0 ms, against 2.2-3.0 ms and 3.5-4.4 ms at 128; 24 and 64 lie in between.
   */
  static final int CHUNK = 32;
  /**
   * Fewest instances worth two threads. Instances are independent (each writes only its own
   * tables and labels, and its tweaks depend only on its index), so the split changes no bit.
   */
  static final int MIN_SPLIT = 16;

  private HalfGates() {}

  /**
   * Garbles. {@code inputZeros} holds the input wires' zero-labels (inputs x n), {@code tables}
   * receives the tables, {@code outputZeros} the outputs' zero-labels (outputs x n).
   */
  public static void garble(Circuit c, int n, long dlo, long dhi, long[] inputZeros,
      long tweakBase, long[] tables, long[] outputZeros) {
    Parallel.split(n, MIN_SPLIT, (from, to) ->
        new Engine(c, true, dlo, dhi).run(n, from, to, inputZeros, tweakBase, tables,
            outputZeros));
  }

  /**
   * Evaluates. {@code inputLabels} holds the input wires' active labels, {@code outputLabels}
   * receives the outputs' active labels.
   */
  public static void evaluate(Circuit c, int n, long[] inputLabels, long tweakBase,
      long[] tables, long[] outputLabels) {
    Parallel.splitIfIdle(n, MIN_SPLIT, (from, to) ->
        new Engine(c, false, 0, 0).run(n, from, to, inputLabels, tweakBase, tables,
            outputLabels));
  }

  private static final class Engine {
    final Circuit c;
    final boolean garbler;
    final long dlo;
    final long dhi;
    final FixedKeyAes aes = new FixedKeyAes();
    long[] src = new long[0];
    long[] tw = new long[0];
    long[] h = new long[0];

    Engine(Circuit c, boolean garbler, long dlo, long dhi) {
      this.c = c;
      this.garbler = garbler;
      this.dlo = dlo;
      this.dhi = dhi;
    }

    /** Instances {@code [from, to)} of {@code n}. */
    void run(int n, int from, int to, long[] in, long tweakBase, long[] tables, long[] out) {
      if (to <= from) {
        return;
      }
      int inputs = c.garblerInputs() + c.evaluatorInputs();
      int chunk = Math.min(CHUNK, to - from);
      long[] w = new long[2 * c.wires() * chunk];
      int levels = c.levels();
      int[][] lin = new int[levels][];
      int[][] and = new int[levels][];
      for (int l = 0; l < levels; l++) {
        lin[l] = c.freeGatesAtLevel(l);
        and[l] = c.andGatesAtLevel(l);
      }
      for (int k0 = from; k0 < to; k0 += chunk) {
        int m = Math.min(chunk, to - k0);
        for (int i = 0; i < inputs; i++) {
          System.arraycopy(in, 2 * (i * n + k0), w, 2 * i * m, 2 * m);
        }
        for (int l = 0; l < levels; l++) {
          linear(lin[l], w, m);
          if (and[l].length > 0) {
            if (garbler) {
              garbleAnds(and[l], w, m, n, k0, tweakBase, tables);
            } else {
              evalAnds(and[l], w, m, n, k0, tweakBase, tables);
            }
          }
        }
        for (int o = 0; o < c.outputs(); o++) {
          System.arraycopy(w, 2 * c.outputWire(o) * m, out, 2 * (o * n + k0), 2 * m);
        }
      }
      Arrays.fill(w, 0);
      Arrays.fill(src, 0);
      Arrays.fill(h, 0);
    }

    void linear(int[] gates, long[] w, int m) {
      for (int g : gates) {
        int out = 2 * c.outputWireOf(g) * m;
        int a = 2 * c.input0(g) * m;
        if (c.type(g) == Circuit.XOR) {
          int b = 2 * c.input1(g) * m;
          for (int i = 0; i < 2 * m; i++) {
            w[out + i] = w[a + i] ^ w[b + i];
          }
        } else if (garbler) {
          for (int k = 0; k < m; k++) {
            w[out + 2 * k] = w[a + 2 * k] ^ dlo;
            w[out + 2 * k + 1] = w[a + 2 * k + 1] ^ dhi;
          }
        } else {
          System.arraycopy(w, a, w, out, 2 * m);
        }
      }
    }

    void ensure(int blocks) {
      if (tw.length < blocks) {
        src = new long[2 * blocks];
        tw = new long[blocks];
        h = new long[2 * blocks];
      }
    }

    void garbleAnds(int[] gates, long[] w, int m, int n, int k0, long tweakBase,
        long[] tables) {
      int blocks = 4 * gates.length * m;
      ensure(blocks);
      int p = 0;
      for (int g : gates) {
        int a = 2 * c.input0(g) * m;
        int b = 2 * c.input1(g) * m;
        long t = tweakBase + (long) c.andIndex(g) * n + k0;
        for (int k = 0; k < m; k++) {
          long a0 = w[a + 2 * k];
          long a1 = w[a + 2 * k + 1];
          long b0 = w[b + 2 * k];
          long b1 = w[b + 2 * k + 1];
          int q = 8 * p;
          src[q] = a0;
          src[q + 1] = a1;
          src[q + 2] = a0 ^ dlo;
          src[q + 3] = a1 ^ dhi;
          src[q + 4] = b0;
          src[q + 5] = b1;
          src[q + 6] = b0 ^ dlo;
          src[q + 7] = b1 ^ dhi;
          long j = 2 * (t + k);
          tw[4 * p] = j;
          tw[4 * p + 1] = j;
          tw[4 * p + 2] = j + 1;
          tw[4 * p + 3] = j + 1;
          p++;
        }
      }
      aes.hash(src, 0, tw, 0, h, 0, blocks);
      p = 0;
      for (int g : gates) {
        int a = 2 * c.input0(g) * m;
        int b = 2 * c.input1(g) * m;
        int out = 2 * c.outputWireOf(g) * m;
        int tab = 4 * (c.andIndex(g) * n + k0);
        for (int k = 0; k < m; k++) {
          int q = 8 * p;
          long a0 = w[a + 2 * k];
          long a1 = w[a + 2 * k + 1];
          long pa = -(a0 & 1);
          long pb = -(w[b + 2 * k] & 1);
          // generator half: T_G = H(A0) ^ H(A1) ^ pb*Delta, W_G = H(A0) ^ pa*T_G
          long tgl = h[q] ^ h[q + 2] ^ (pb & dlo);
          long tgh = h[q + 1] ^ h[q + 3] ^ (pb & dhi);
          long wgl = h[q] ^ (pa & tgl);
          long wgh = h[q + 1] ^ (pa & tgh);
          // evaluator half: T_E = H(B0) ^ H(B1) ^ A0, W_E = H(B0) ^ pb*(T_E ^ A0)
          long tel = h[q + 4] ^ h[q + 6] ^ a0;
          long teh = h[q + 5] ^ h[q + 7] ^ a1;
          long wel = h[q + 4] ^ (pb & (tel ^ a0));
          long weh = h[q + 5] ^ (pb & (teh ^ a1));
          w[out + 2 * k] = wgl ^ wel;
          w[out + 2 * k + 1] = wgh ^ weh;
          int tk = tab + 4 * k;
          tables[tk] = tgl;
          tables[tk + 1] = tgh;
          tables[tk + 2] = tel;
          tables[tk + 3] = teh;
          p++;
        }
      }
    }

    void evalAnds(int[] gates, long[] w, int m, int n, int k0, long tweakBase, long[] tables) {
      int blocks = 2 * gates.length * m;
      ensure(blocks);
      int p = 0;
      for (int g : gates) {
        int a = 2 * c.input0(g) * m;
        int b = 2 * c.input1(g) * m;
        long t = tweakBase + (long) c.andIndex(g) * n + k0;
        for (int k = 0; k < m; k++) {
          int q = 4 * p;
          src[q] = w[a + 2 * k];
          src[q + 1] = w[a + 2 * k + 1];
          src[q + 2] = w[b + 2 * k];
          src[q + 3] = w[b + 2 * k + 1];
          long j = 2 * (t + k);
          tw[2 * p] = j;
          tw[2 * p + 1] = j + 1;
          p++;
        }
      }
      aes.hash(src, 0, tw, 0, h, 0, blocks);
      p = 0;
      for (int g : gates) {
        int a = 2 * c.input0(g) * m;
        int b = 2 * c.input1(g) * m;
        int out = 2 * c.outputWireOf(g) * m;
        int tab = 4 * (c.andIndex(g) * n + k0);
        for (int k = 0; k < m; k++) {
          int q = 4 * p;
          long wal = w[a + 2 * k];
          long wah = w[a + 2 * k + 1];
          long sa = -(wal & 1);
          long sb = -(w[b + 2 * k] & 1);
          int tk = tab + 4 * k;
          long wgl = h[q] ^ (sa & tables[tk]);
          long wgh = h[q + 1] ^ (sa & tables[tk + 1]);
          long wel = h[q + 2] ^ (sb & (tables[tk + 2] ^ wal));
          long weh = h[q + 3] ^ (sb & (tables[tk + 3] ^ wah));
          w[out + 2 * k] = wgl ^ wel;
          w[out + 2 * k + 1] = wgh ^ weh;
          p++;
        }
      }
    }
  }
}
