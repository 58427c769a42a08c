package dev.oml.mpc.internal;

import dev.oml.mpc.circuit.Circuit;

/**
 * The garbling engine: free-XOR (Kolesnikov-Schneider) and half gates (Zahur, Rosulek, Evans,
 * EUROCRYPT 2015), two ciphertexts per AND gate, with point-and-permute on the label's lowest
 * bit and {@link FixedKeyAes} as the hash. It garbles {@code n} instances of one circuit at
 * once and walks the circuit's AND levels, so each level costs one AES batch of {@code 4 * (AND
 * gates in the level) * n} blocks for the garbler and half that for the evaluator.
 *
 * <p>Labels live in one {@code long[]}, wire-major: wire {@code w} of instance {@code k} is the
 * block at {@code 2 * (w * n + k)}. The garbler's array holds zero-labels; the one-label is the
 * zero-label XOR {@code Delta}. AND gate {@code a} (its index among AND gates) of instance
 * {@code k} uses the tweaks {@code 2t} and {@code 2t + 1} with {@code t = tweakBase + a * n + k},
 * so no tweak repeats within one garbling; each garbling must use a fresh {@code Delta}.
 */
public final class HalfGates {
  private HalfGates() {}

  /**
   * Garbles: {@code labels} holds the input wires' zero-labels on entry and every wire's
   * zero-label on return; {@code tables} receives four longs {@code (T_G, T_E)} per AND gate and
   * instance, at {@code 4 * (a * n + k)}.
   */
  public static void garble(Circuit c, int n, long dlo, long dhi, long[] labels, long tweakBase,
      long[] tables) {
    FixedKeyAes aes = new FixedKeyAes();
    long[] src = new long[0];
    long[] tw = new long[0];
    long[] h = new long[0];
    for (int level = 0; level < c.levels(); level++) {
      for (int g : c.linearGates(level)) {
        int out = 2 * c.outputWireOf(g) * n;
        int a = 2 * c.input0(g) * n;
        if (c.type(g) == Circuit.XOR) {
          int b = 2 * c.input1(g) * n;
          for (int i = 0; i < 2 * n; i++) {
            labels[out + i] = labels[a + i] ^ labels[b + i];
          }
        } else {
          for (int k = 0; k < n; k++) {
            labels[out + 2 * k] = labels[a + 2 * k] ^ dlo;
            labels[out + 2 * k + 1] = labels[a + 2 * k + 1] ^ dhi;
          }
        }
      }
      int[] ands = c.andGates(level);
      if (ands.length == 0) {
        continue;
      }
      int blocks = 4 * ands.length * n;
      if (src.length < 2 * blocks) {
        src = new long[2 * blocks];
        tw = new long[blocks];
        h = new long[2 * blocks];
      }
      int p = 0;
      for (int g : ands) {
        int a = 2 * c.input0(g) * n;
        int b = 2 * c.input1(g) * n;
        long t = tweakBase + (long) c.andIndex(g) * n;
        for (int k = 0; k < n; k++) {
          long a0 = labels[a + 2 * k];
          long a1 = labels[a + 2 * k + 1];
          long b0 = labels[b + 2 * k];
          long b1 = labels[b + 2 * k + 1];
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
      for (int g : ands) {
        int a = 2 * c.input0(g) * n;
        int b = 2 * c.input1(g) * n;
        int out = 2 * c.outputWireOf(g) * n;
        int tab = 4 * c.andIndex(g) * n;
        for (int k = 0; k < n; k++) {
          int q = 8 * p;
          long a0 = labels[a + 2 * k];
          long a1 = labels[a + 2 * k + 1];
          long pa = -(a0 & 1);
          long pb = -(labels[b + 2 * k] & 1);
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
          labels[out + 2 * k] = wgl ^ wel;
          labels[out + 2 * k + 1] = wgh ^ weh;
          int tk = tab + 4 * k;
          tables[tk] = tgl;
          tables[tk + 1] = tgh;
          tables[tk + 2] = tel;
          tables[tk + 3] = teh;
          p++;
        }
      }
    }
    java.util.Arrays.fill(src, 0);
    java.util.Arrays.fill(h, 0);
  }

  /**
   * Evaluates: {@code labels} holds the input wires' active labels on entry and every wire's
   * active label on return.
   */
  public static void evaluate(Circuit c, int n, long[] labels, long tweakBase, long[] tables) {
    FixedKeyAes aes = new FixedKeyAes();
    long[] src = new long[0];
    long[] tw = new long[0];
    long[] h = new long[0];
    for (int level = 0; level < c.levels(); level++) {
      for (int g : c.linearGates(level)) {
        int out = 2 * c.outputWireOf(g) * n;
        int a = 2 * c.input0(g) * n;
        if (c.type(g) == Circuit.XOR) {
          int b = 2 * c.input1(g) * n;
          for (int i = 0; i < 2 * n; i++) {
            labels[out + i] = labels[a + i] ^ labels[b + i];
          }
        } else {
          System.arraycopy(labels, a, labels, out, 2 * n);
        }
      }
      int[] ands = c.andGates(level);
      if (ands.length == 0) {
        continue;
      }
      int blocks = 2 * ands.length * n;
      if (src.length < 2 * blocks) {
        src = new long[2 * blocks];
        tw = new long[blocks];
        h = new long[2 * blocks];
      }
      int p = 0;
      for (int g : ands) {
        int a = 2 * c.input0(g) * n;
        int b = 2 * c.input1(g) * n;
        long t = tweakBase + (long) c.andIndex(g) * n;
        for (int k = 0; k < n; k++) {
          int q = 4 * p;
          src[q] = labels[a + 2 * k];
          src[q + 1] = labels[a + 2 * k + 1];
          src[q + 2] = labels[b + 2 * k];
          src[q + 3] = labels[b + 2 * k + 1];
          long j = 2 * (t + k);
          tw[2 * p] = j;
          tw[2 * p + 1] = j + 1;
          p++;
        }
      }
      aes.hash(src, 0, tw, 0, h, 0, blocks);
      p = 0;
      for (int g : ands) {
        int a = 2 * c.input0(g) * n;
        int b = 2 * c.input1(g) * n;
        int out = 2 * c.outputWireOf(g) * n;
        int tab = 4 * c.andIndex(g) * n;
        for (int k = 0; k < n; k++) {
          int q = 4 * p;
          long wal = labels[a + 2 * k];
          long wah = labels[a + 2 * k + 1];
          long sa = -(wal & 1);
          long sb = -(labels[b + 2 * k] & 1);
          int tk = tab + 4 * k;
          long wgl = h[q] ^ (sa & tables[tk]);
          long wgh = h[q + 1] ^ (sa & tables[tk + 1]);
          long wel = h[q + 2] ^ (sb & (tables[tk + 2] ^ wal));
          long weh = h[q + 3] ^ (sb & (tables[tk + 3] ^ wah));
          labels[out + 2 * k] = wgl ^ wel;
          labels[out + 2 * k + 1] = wgh ^ weh;
          p++;
        }
      }
    }
  }
}
