package dev.oml.mpc.auth;

import dev.oml.core.field.FieldCodec;
import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.internal.FixedKeyAes;
import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.MessageWriter;
import java.util.Arrays;

/**
 * SIMC-style label tables (Chandran et al., USENIX Security 2022): they turn the garbled-circuit
 * labels of a {@code k}-bit value {@code z} into an authenticated value, so the tier-2 protocol
 * gets MACs on every circuit input and output without MAC arithmetic inside the circuit. The
 * owner (garbler) knows both labels {@code L_0, L_1 = L_0 ^ Delta} of each wire; the licensee
 * (evaluator) holds one, {@code L_(z_j)}. From the table it recovers
 * {@code y_j = R_j + z_j w_j alpha}, where {@code w_j} is the wire's public weight ({@code 2^j},
 * or {@code -2^(k-1)} for a two's-complement sign bit) and {@code R_j} is the owner's. Summed,
 * {@code M = R + alpha z} with {@code z = sum_j w_j z_j}: a tag for the value the licensee really
 * fed into (or got out of) the circuit, whose key {@code K = R} only the owner holds.
 *
 * <p>One field element (6 bytes) per wire (row reduction, as in garbled row reduction): write
 * {@code H_b = H(L_b, tweak)} (the GKWY fixed-key AES hash the half gates use, reduced into
 * {@code F_p}) and let {@code L_a} be the label whose point-and-permute bit is 0. The owner sets
 * {@code R_j = -H_a - a w_j alpha}, so the licensee with {@code L_a} needs no entry
 * ({@code y = -H_a}), and sends {@code T_j = H_(1-a) + R_j + (1 - a) w_j alpha} for the licensee
 * with the other label ({@code y = T_j - H_(1-a)}).
 *
 * <p>Why a malicious licensee learns nothing and forges nothing: it holds one label per wire, so
 * the one entry is masked by the hash of a label it does not hold (circular correlation
 * robustness of {@code H}, the same assumption as half gates), and a tag for any other value needs
 * {@code alpha} times a nonzero difference, caught by {@link MacCheckVerifier} with probability
 * {@code 1 - 1/p}. Tweaks must not repeat under one {@code Delta}: half gates use small tweaks
 * from 0, label tables use {@link #tweakBase(int)}, above {@code 2^61}.
 */
public final class LabelTable {
  static final int TAG = 0x51;
  private static final long TWEAK_DOMAIN = 0x4C41424CL << 31; // "LABL", above any AND tweak
  private static final long LOW32 = 0xFFFF_FFFFL;
  private static final long TWO32 = 1L << 32;
  private static final long TWO64 = PrimeField.mul(TWO32, TWO32);
  private static final long TWO96 = PrimeField.mul(TWO64, TWO32);
  // one fixed-key AES per thread (a Cipher is not thread-safe; creating one costs a provider
  // look-up per table)
  private static final ThreadLocal<FixedKeyAes> AES = ThreadLocal.withInitial(FixedKeyAes::new);
  private final int n;
  private final int k;
  private long[] entries;

  private LabelTable(int n, int k, long[] entries) {
    this.n = n;
    this.k = k;
    this.entries = entries;
  }

  /** The garbler's result: the public table and the owner's keys, one per value. */
  public record Garbled(LabelTable table, MacKeyVector keys) {}

  /**
   * The first tweak of table number {@code index} of one garbling; tables of one garbling need
   * distinct indices (each table uses {@code n k} tweaks, at most {@code 2^31}).
   */
  public static long tweakBase(int index) {
    if (index < 0 || index >= (1 << 20)) {
      throw new IllegalArgumentException("table index must be in [0, 2^20)");
    }
    return TWEAK_DOMAIN + ((long) index << 31);
  }

  /** Weights {@code 1, 2, 4, ..., 2^(k-1)} mod p: an unsigned LSB-first value. */
  public static long[] unsignedWeights(int k) {
    checkK(k);
    long[] w = new long[k];
    w[0] = 1;
    for (int j = 1; j < k; j++) {
      w[j] = PrimeField.add(w[j - 1], w[j - 1]);
    }
    return w;
  }

  /** Weights of a {@code k}-bit two's-complement value: the top weight is {@code -2^(k-1)}. */
  public static long[] signedWeights(int k) {
    long[] w = unsignedWeights(k);
    w[k - 1] = PrimeField.neg(w[k - 1]);
    return w;
  }

  private static void checkK(int k) {
    if (k < 1 || k > 64) {
      throw new IllegalArgumentException("a value has 1 to 64 wires");
    }
  }

  /**
   * The owner's step. {@code zeroLabels} is a wire-major label array of {@code n} instances
   * (wire {@code w} of instance {@code i} at block {@code w n + i}, HalfGates' layout), holding
   * zero-labels; {@code wires[j]} is the wire carrying bit {@code j} (weight {@code weights[j]})
   * of each value.
   *
   * @throws IllegalArgumentException if the sizes do not fit or Delta's permute bit is not 1
   */
  public static Garbled garble(long[] zeroLabels, int[] wires, long[] weights, int n, long dlo,
      long dhi, MacKey alpha, long tweakBase) {
    int k = check(zeroLabels, wires, weights, n);
    if ((dlo & 1) == 0) {
      throw new IllegalArgumentException("Delta must have permute bit 1 (free-XOR garbling)");
    }
    PrimeField.requireCanonical(weights, "wire weights");
    long[] src = new long[4 * k * n];
    long[] tw = new long[2 * k * n];
    for (int j = 0; j < k; j++) {
      for (int i = 0; i < n; i++) {
        int t = j * n + i;
        int at = 2 * (wires[j] * n + i);
        long l0 = zeroLabels[at];
        long h0 = zeroLabels[at + 1];
        src[4 * t] = l0;
        src[4 * t + 1] = h0;
        src[4 * t + 2] = l0 ^ dlo;
        src[4 * t + 3] = h0 ^ dhi;
        tw[2 * t] = tweakBase + t;
        tw[2 * t + 1] = tweakBase + t;
      }
    }
    long[] h = new long[4 * k * n];
    new FixedKeyAes().hash(src, 0, tw, 0, h, 0, 2 * k * n);
    long[] entries = new long[k * n];
    long[] keys = new long[n];
    long a = alpha.alpha();
    for (int j = 0; j < k; j++) {
      long wa = PrimeField.mul(weights[j], a);
      for (int i = 0; i < n; i++) {
        int t = j * n + i;
        // the label with permute bit 0 carries bit pa: L_0 if lsb(L_0) = 0, else L_1
        int pa = (int) (src[4 * t] & 1);
        long hz = PrimeField.reduce128(h[4 * t + 2 * pa], h[4 * t + 2 * pa + 1]);
        long ho = PrimeField.reduce128(h[4 * t + 2 * (1 - pa)], h[4 * t + 2 * (1 - pa) + 1]);
        long r = PrimeField.sub(PrimeField.neg(hz), pa == 1 ? wa : 0);
        entries[t] = PrimeField.add(PrimeField.add(ho, r), pa == 0 ? wa : 0);
        keys[i] = PrimeField.add(keys[i], r);
      }
    }
    Arrays.fill(src, 0);
    Arrays.fill(h, 0);
    return new Garbled(new LabelTable(n, k, entries), MacKeyVector.wrap(keys));
  }

  private static int check(long[] labels, int[] wires, long[] weights, int n) {
    int k = wires.length;
    checkK(k);
    if (weights.length != k) {
      throw new IllegalArgumentException("one weight per wire");
    }
    if (n < 1 || (long) n * k > (1L << 28)) {
      throw new IllegalArgumentException("a table covers 1 to 2^28 wires in all; split it");
    }
    for (int w : wires) {
      if (w < 0 || 2L * ((long) w * n + n) > labels.length) {
        throw new IllegalArgumentException("wire " + w + " is outside the label array");
      }
    }
    return k;
  }

  /**
   * The licensee's step: the tags {@code M_i = K_i + alpha z_i} for the values whose active
   * labels it holds (same layout as in {@link #garble}). The table is consumed: a second call
   * throws, so one table never serves two label sets.
   */
  public long[] evaluate(long[] activeLabels, int[] wires, long[] weights, long tweakBase) {
    if (entries == null) {
      throw new IllegalStateException("this label table was already used");
    }
    if (check(activeLabels, wires, weights, n) != k) {
      throw new IllegalArgumentException("the table is for " + k + " wires per value");
    }
    long[] src = new long[2 * k * n];
    long[] tw = new long[k * n];
    for (int j = 0; j < k; j++) {
      for (int i = 0; i < n; i++) {
        int t = j * n + i;
        int at = 2 * (wires[j] * n + i);
        src[2 * t] = activeLabels[at];
        src[2 * t + 1] = activeLabels[at + 1];
        tw[t] = tweakBase + t;
      }
    }
    long[] h = new long[2 * k * n];
    AES.get().hash(src, 0, tw, 0, h, 0, k * n);
    // tag_i = sum_j (entry_j [lsb] - H_j) mod p, reduced once per value: the 128-bit hashes are
    // summed in four 32-bit limbs (k <= 64 terms, so each limb sum stays below 2^38) and the
    // entries (each below 2^46) in one long, then both are reduced
    long[] limbs = new long[4 * n];
    long[] picked = new long[n];
    for (int j = 0, t = 0; j < k; j++) {
      for (int i = 0; i < n; i++, t++) {
        long lo = h[2 * t];
        long hi = h[2 * t + 1];
        limbs[4 * i] += lo & LOW32;
        limbs[4 * i + 1] += lo >>> 32;
        limbs[4 * i + 2] += hi & LOW32;
        limbs[4 * i + 3] += hi >>> 32;
        picked[i] += entries[t] & -(src[2 * t] & 1);
      }
    }
    long[] tags = new long[n];
    for (int i = 0; i < n; i++) {
      long sum = PrimeField.add(PrimeField.add(limbs[4 * i],
          PrimeField.mul(limbs[4 * i + 1], TWO32)), PrimeField.add(
          PrimeField.mul(limbs[4 * i + 2], TWO64), PrimeField.mul(limbs[4 * i + 3], TWO96)));
      tags[i] = PrimeField.sub(PrimeField.reduce(picked[i]), sum);
    }
    Arrays.fill(limbs, 0);
    Arrays.fill(h, 0);
    Arrays.fill(entries, 0);
    entries = null;
    Arrays.fill(src, 0);
    return tags;
  }

  /** Values covered. */
  public int values() {
    return n;
  }

  /** Wires per value. */
  public int wiresPerValue() {
    return k;
  }

  /** Payload bytes of the table's message: one field element (6 bytes) per wire. */
  public static int payloadBytes(int n, int k) {
    return FieldCodec.bytes(n * k);
  }

  /** The table as one message, owner to licensee. */
  public byte[] toMessage() {
    if (entries == null) {
      throw new IllegalStateException("this label table was already used");
    }
    return new MessageWriter(TAG, payloadBytes(n, k)).putBytes(FieldCodec.pack(entries, n * k))
        .toByteArray();
  }

  /**
   * Reads a table for {@code n} values of {@code k} wires.
   *
   * @throws ProtocolAbortException if the message is malformed or an entry is not in {@code F_p}
   */
  public static LabelTable fromMessage(byte[] message, int n, int k) {
    checkK(k);
    MessageReader r = new MessageReader(message, TAG, payloadBytes(n, k), "label table");
    long[] e = FieldCodec.unpack(r.getBytes(payloadBytes(n, k)), new long[n * k],
        "label table");
    return new LabelTable(n, k, e);
  }
}
