package dev.oml.he;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * One output block of a circuit-private matrix-vector answer in its compact form: the flooded
 * BFV ciphertext switched from its RNS modulus {@code Q} to the power of two {@code 2^bits}
 * ({@link FloodingBudget#compactBits()}), both components in coefficient form, the first
 * component only at the block's kept output positions. The receiver computes the phase at those
 * positions as negacyclic inner products of {@code c_1} with its ternary secret key, in plain
 * 64-bit arithmetic (no NTT), and rounds {@code t * phase / 2^bits}.
 *
 * <p>The switch is the answering party's post-processing of its already flooded and
 * re-randomized ciphertext, so the receiver sees a function of what it would otherwise see and
 * nothing more. On the wire: a form byte, {@code bits}, the ring degree and the number of kept
 * positions (big-endian ints), then every value of {@code c_0} and then of {@code c_1} in
 * {@code bits} bits, least significant bit first, zero padding to the byte.
 */
public final class CompactAnswer {
  /** First byte of the encoding. */
  public static final byte FORM = 0x43;
  private static final int HEADER = 1 + 1 + 4 + 4;
  // the packed values read eight bytes at a time (the encoding is least significant byte first)
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final int bits;
  private final long[] c0;
  private final long[] c1;

  /**
   * @param bits the modulus {@code 2^bits}, in {@code [1, 63]}
   * @param c0 the first component at the kept positions, each in {@code [0, 2^bits)}
   * @param c1 the second component, all {@code N} coefficients, each in {@code [0, 2^bits)}
   * @throws IllegalArgumentException if a value is out of range
   */
  public CompactAnswer(int bits, long[] c0, long[] c1) {
    if (bits < 1 || bits > 63) {
      throw new IllegalArgumentException("bits in [1, 63], got " + bits);
    }
    this.bits = bits;
    this.c0 = c0.clone();
    this.c1 = c1.clone();
    requireRange(this.c0, bits);
    requireRange(this.c1, bits);
  }

  private static void requireRange(long[] v, int bits) {
    for (long x : v) {
      if (x < 0 || x >>> bits != 0) {
        throw new IllegalArgumentException("a coefficient is outside [0, 2^" + bits + ")");
      }
    }
  }

  public int bits() {
    return bits;
  }

  /** The first component at the kept positions (in the layout's order); a copy. */
  public long[] c0() {
    return c0.clone();
  }

  /** The second component, coefficient form; a copy. */
  public long[] c1() {
    return c1.clone();
  }

  long[] c0Unsafe() {
    return c0;
  }

  long[] c1Unsafe() {
    return c1;
  }

  /** Bytes of the encoding for {@code kept} positions of a degree-{@code n} ring. */
  public static int encodedLength(int n, int kept, int bits) {
    return HEADER + (int) (((long) (kept + n) * bits + 7) / 8);
  }

  public byte[] encode() {
    int count = c0.length + c1.length;
    long[] words = new long[(int) (((long) count * bits + 63) / 64)];
    long pos = 0;
    for (int part = 0; part < 2; part++) {
      for (long x : part == 0 ? c0 : c1) {
        int w = (int) (pos >>> 6);
        int shift = (int) (pos & 63);
        words[w] |= x << shift;
        if (shift + bits > 64) {
          words[w + 1] |= x >>> (64 - shift);
        }
        pos += bits;
      }
    }
    byte[] out = new byte[encodedLength(c1.length, c0.length, bits)];
    out[0] = FORM;
    out[1] = (byte) bits;
    putInt(out, 2, c1.length);
    putInt(out, 6, c0.length);
    for (int i = HEADER; i < out.length; i++) {
      int j = i - HEADER;
      out[i] = (byte) (words[j >>> 3] >>> ((j & 7) * 8));
    }
    return out;
  }

  /**
   * Reads an answer of exactly this shape.
   *
   * @throws MalformedDataException if the bytes are not the encoding of an answer with
   *     {@code kept} positions over a degree-{@code n} ring at {@code 2^bits} (wrong form, shape
   *     or length, nonzero padding)
   */
  public static CompactAnswer decode(byte[] b, int n, int kept, int bits) {
    Objects.requireNonNull(b);
    if (bits < 1 || bits > 63 || b.length != encodedLength(n, kept, bits) || b[0] != FORM) {
      throw new MalformedDataException("not a compact answer of " + kept + " + " + n
          + " coefficients at 2^" + bits + " (" + b.length + " bytes)");
    }
    if (b[1] != bits || getInt(b, 2) != n || getInt(b, 6) != kept) {
      throw new MalformedDataException("compact answer of another shape or modulus");
    }
    long[] words = new long[(int) (((long) (kept + n) * bits + 63) / 64)];
    int full = (b.length - HEADER) >>> 3;
    for (int w = 0; w < full; w++) {
      words[w] = (long) LONGS.get(b, HEADER + 8 * w);
    }
    for (int i = HEADER + 8 * full; i < b.length; i++) {
      int j = i - HEADER;
      words[j >>> 3] |= (b[i] & 0xFFL) << ((j & 7) * 8);
    }
    long mask = (1L << bits) - 1;
    long[] c0 = new long[kept];
    long[] c1 = new long[n];
    long pos = 0;
    for (int part = 0; part < 2; part++) {
      long[] v = part == 0 ? c0 : c1;
      for (int i = 0; i < v.length; i++) {
        int w = (int) (pos >>> 6);
        int shift = (int) (pos & 63);
        long x = words[w] >>> shift;
        if (shift + bits > 64) {
          x |= words[w + 1] << (64 - shift);
        }
        v[i] = x & mask;
        pos += bits;
      }
    }
    int tail = (int) (pos & 63);
    if (tail != 0 && words[words.length - 1] >>> tail != 0) {
      throw new MalformedDataException("compact answer: nonzero padding");
    }
    return new CompactAnswer(bits, c0, c1);
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  private static int getInt(byte[] b, int at) {
    return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8
        | (b[at + 3] & 0xFF);
  }
}
