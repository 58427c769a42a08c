package dev.oml.mpc.auth;

import dev.oml.core.field.FieldCodec;
import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.MessageWriter;
import dev.oml.mpc.ot.KosDomain;
import dev.oml.mpc.ot.KosExtensionSender;
import dev.oml.mpc.ot.KosSender;
import dev.oml.mpc.ot.RandomOtSenderOutput;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * The owner's side of the VOLE with {@code Delta = alpha} (construction and messages in
 * {@link VoleReceiver}): it ends with one key {@code K_i} per value the licensee chose, a
 * {@link MacKeyVector}.
 *
 * <p>Why a malicious licensee gains nothing. Its only messages are the KOS15 messages and the
 * bits {@code e}. Any {@code e} is legitimate: it just fixes which {@code x} gets authenticated.
 * The KOS correlation check ({@link KosSender#finish}) makes the licensee's random-OT choices
 * well defined, so for every bit it knows {@code pad_c} and nothing about {@code pad_(1-c)}
 * except with probability about {@code 2^-64}; the correction {@code tau} is then masked by
 * {@code H(pad_(1-c))} and hides {@code alpha}. A licensee that tampers with the KOS matrix is
 * caught before any correction is sent (the session aborts with
 * {@link ProtocolAbortException}). So the licensee learns nothing about {@code alpha}, and tags for
 * any value other than its own {@code x} are forgeries, found by {@link MacCheckVerifier} with
 * probability {@code 1 - 1/p}. The owner is semi-honest: it follows the steps and learns only
 * {@code e}, which is {@code x} masked by uniform choice bits.
 */
public final class VoleSender {
  static final int TAG_FOURTH = 0x32;
  /** Largest batch: one KOS15 batch of random OTs, 46 per value. */
  public static final int MAX_VALUES = (1 << 24) / PrimeField.BITS;
  private final MacKey alpha;
  private final int n;
  private final int bitsTotal;
  private KosSender kos;
  private KosExtensionSender ext;
  private KosDomain domain;
  private boolean responded;
  private MacKeyVector keys;

  /**
   * Prepares to authenticate {@code count} values of the licensee under {@code alpha}.
   *
   * @throws IllegalArgumentException if {@code count} is not in {@code [1, MAX_VALUES]}
   */
  public VoleSender(MacKey alpha, int count, SecureRandom rng) {
    this(alpha, count);
    this.kos = new KosSender(bitsTotal, rng);
  }

  /**
   * Prepares a bundle's VOLE of {@code count} values under {@code alpha} whose random OTs come
   * from the bundle's extension {@code ext} for {@code domain} (see
   * {@link VoleReceiver#extending}): message 3 is the first message, and
   * {@link #fourthMessage(byte[])} checks the extension (a failure ends {@code ext}).
   *
   * @throws IllegalArgumentException if {@code count} is not in {@code [1, MAX_VALUES]}
   */
  public static VoleSender extending(MacKey alpha, int count, KosExtensionSender ext,
      KosDomain domain) {
    VoleSender v = new VoleSender(alpha, count);
    v.ext = Objects.requireNonNull(ext, "ext");
    v.domain = Objects.requireNonNull(domain, "domain");
    v.responded = true;
    return v;
  }

  private VoleSender(MacKey alpha, int count) {
    if (count < 1 || count > MAX_VALUES) {
      throw new IllegalArgumentException("a VOLE batch holds 1 to " + MAX_VALUES
          + " values; split larger vectors");
    }
    this.alpha = alpha;
    this.n = count;
    this.bitsTotal = count * PrimeField.BITS;
  }

  /**
   * Consumes message 1 and returns message 2.
   *
   * @throws ProtocolAbortException if message 1 is malformed
   */
  public byte[] secondMessage(byte[] first) {
    if (kos == null || responded) {
      throw new IllegalStateException("secondMessage belongs to a fresh sender");
    }
    responded = true;
    return kos.secondMessage(first);
  }

  /**
   * Consumes message 3, runs the KOS check and returns message 4, the corrections. Afterwards
   * {@link #keys()} holds the owner's keys.
   *
   * @throws ProtocolAbortException if message 3 is malformed or fails the KOS check
   */
  public byte[] fourthMessage(byte[] third) {
    if ((kos == null && ext == null) || !responded) {
      throw new IllegalStateException("call secondMessage once, then fourthMessage once");
    }
    KosSender k = kos;
    KosExtensionSender x = ext;
    kos = null;
    ext = null;
    try {
      return correct(third, k, x);
    } catch (RuntimeException e) {
      if (x != null) {
        x.erase(); // a bundle's extension ends at any failure of one of its VOLEs
      }
      throw e;
    }
  }

  private byte[] correct(byte[] third, KosSender k, KosExtensionSender x) {
    int eWords = (bitsTotal + 63) / 64;
    if (third == null || third.length < 5) {
      throw new ProtocolAbortException("VOLE message 3: too short");
    }
    int kosLen = ByteBuffer.wrap(third, 1, 4).getInt();
    if (kosLen < 0 || kosLen > third.length) {
      throw new ProtocolAbortException("VOLE message 3: bad length field");
    }
    MessageReader r = new MessageReader(third, VoleReceiver.TAG_THIRD, 4 + kosLen + 8 * eWords,
        "VOLE message 3");
    r.getBytes(4);
    RandomOtSenderOutput ots = k != null ? k.finish(r.getBytes(kosLen))
        : x.extend(bitsTotal, domain, r.getBytes(kosLen));
    long[] e = new long[eWords];
    r.getLongs(e, 0, eWords);
    long[] tau = new long[bitsTotal];
    long[] kv = new long[n];
    long[] m0 = new long[2];
    long[] m1 = new long[2];
    long a = alpha.alpha();
    try {
      for (int i = 0; i < n; i++) {
        // K_i = sum_j H(pad_0): the 128-bit pads summed exactly (three words) and reduced once
        long sumLo = 0;
        long sumHi = 0;
        long sumTop = 0;
        long shifted = a; // alpha 2^j
        for (int j = 0; j < PrimeField.BITS; j++) {
          int t = i * PrimeField.BITS + j;
          int et = (int) (e[t >>> 6] >>> (t & 63)) & 1;
          ots.message(t, et, m0, 0); // pad_0 = m_e
          ots.message(t, et ^ 1, m1, 0); // pad_1 = m_(1 ^ e)
          // H(pad_0) - H(pad_1) = (pad_0 - pad_1) mod p: one reduction of the 128-bit
          // difference, corrected by 2^128 mod p when it borrowed
          long dLo = m0[0] - m1[0];
          long b0 = borrow(m0[0], m1[0], dLo);
          long dMid = m0[1] - m1[1];
          long dHi = dMid - b0;
          long b1 = borrow(m0[1], m1[1], dMid) | borrow(dMid, b0, dHi);
          long diff = PrimeField.sub(PrimeField.reduce128(dLo, dHi), TWO128 & -b1);
          tau[t] = PrimeField.add(diff, shifted);
          long lo = sumLo + m0[0];
          long c0 = carry(sumLo, m0[0], lo);
          long mid = sumHi + m0[1];
          long hi = mid + c0;
          sumTop += carry(sumHi, m0[1], mid) + carry(mid, c0, hi);
          sumLo = lo;
          sumHi = hi;
          shifted = PrimeField.add(shifted, shifted);
        }
        kv[i] = reduce192(sumTop, sumHi, sumLo);
      }
    } finally {
      ots.erase();
      Arrays.fill(m0, 0);
      Arrays.fill(m1, 0);
    }
    keys = MacKeyVector.wrap(kv);
    return new MessageWriter(TAG_FOURTH, FieldCodec.bytes(bitsTotal))
        .putBytes(FieldCodec.pack(tau, bitsTotal)).toByteArray();
  }

  /** {@code 2^128 mod p}. */
  static final long TWO128 = PrimeField.mul(PrimeField.reduce128(0, 1),
      PrimeField.reduce128(0, 1));

  /** The carry (0 or 1) out of the 64-bit sum {@code s = a + b}, without a branch. */
  static long carry(long a, long b, long s) {
    return ((a & b) | ((a | b) & ~s)) >>> 63;
  }

  /** The borrow (0 or 1) out of the 64-bit difference {@code d = a - b}, without a branch. */
  static long borrow(long a, long b, long d) {
    return ((~a & b) | ((~a | b) & d)) >>> 63;
  }

  /** {@code (top 2^128 + hi 2^64 + lo) mod p} for {@code 0 <= top < p}. */
  static long reduce192(long top, long hi, long lo) {
    return PrimeField.add(PrimeField.mul(top, TWO128), PrimeField.reduce128(lo, hi));
  }

  /** The owner's keys, available after {@link #fourthMessage(byte[])}. */
  public MacKeyVector keys() {
    if (keys == null) {
      throw new IllegalStateException("the VOLE has not run yet");
    }
    return keys;
  }

  /**
   * Runs the owner's side over {@code channel}. On any failure the channel is closed and the
   * exception rethrown.
   */
  public static MacKeyVector run(Channel channel, MacKey alpha, int count, SecureRandom rng) {
    try {
      VoleSender v = new VoleSender(alpha, count, rng);
      channel.send(v.secondMessage(channel.receive()));
      channel.send(v.fourthMessage(channel.receive()));
      return v.keys();
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Runs the owner's side of a bundle's VOLE (see {@link #extending}) over {@code channel}. On
   * any failure the channel is closed and the exception rethrown.
   */
  public static MacKeyVector run(Channel channel, MacKey alpha, int count,
      KosExtensionSender ext, KosDomain domain) {
    try {
      VoleSender v = extending(alpha, count, ext, domain);
      channel.send(v.fourthMessage(channel.receive()));
      return v.keys();
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }
}
