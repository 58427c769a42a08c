package dev.oml.mpc.attacks;

import dev.oml.he.Ciphertext;
import dev.oml.he.HeContext;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * What a licensee who patches its client does to ciphertexts on the wire: it parses the public
 * serialized form of the pure-Java backend (a header, then a seeded body {@code seed || c_0} or
 * an extracted body {@code kept positions || c_0 at them || c_1}, polynomial rows bit-packed in
 * NTT form), adds a chosen monomial {@code a X^k} to one component and packs it again. The
 * backend's NTT order and scaling are not copied from its internals but learned through the
 * library's own public calls: slot {@code j} of a polynomial {@code P} is
 * {@code sigma_j P(w_j)}, and adding the plaintexts 1 and {@code X} to a ciphertext moves its
 * serialized {@code c_0} by {@code sigma_j c} and {@code sigma_j c w_j}, where the encoder's
 * scale {@code c} shows in the coefficient form ({@code HeContext.exportComponents}).
 */
public final class CiphertextSurgery {
  /** Magic, type byte, 16-byte parameter id. */
  private static final int ID_BYTES = 4 + 1 + 16;
  /** Scheme, level, size and flags bytes, then the scale as a double. */
  private static final int HEADER = ID_BYTES + 4 + 8;

  private final HeContext ctx;
  private final int n;
  private final long[] primes;
  private final int[] bits;
  /** Evaluation point and slot scale ({@code 1 / (N c_0)}) per prime and slot. */
  private final BigInteger[][] point;
  private final BigInteger[][] slotScale;
  private final byte[] id;

  public CiphertextSurgery(HeContext ctx) {
    this.ctx = ctx;
    this.n = ctx.parameters().polyModulusDegree();
    this.primes = ctx.parameters().coeffModulus();
    this.bits = new int[primes.length];
    for (int i = 0; i < primes.length; i++) {
      bits[i] = 64 - Long.numberOfLeadingZeros(primes[i]);
    }
    // A fresh encryption of 0, and the same plus the plaintexts 1 and X. The differences of
    // their serialized c_0 are the NTT rows of c and c X, where c = round(Q / t) is the
    // encoder's scale; the coefficient form (exportComponents) shows c itself.
    Ciphertext zero = ctx.encryptor(ctx.keyGenerator().secretKey())
        .encrypt(ctx.bfvEncoder().encode(new long[n]));
    long[] unit = new long[n];
    unit[0] = 1;
    Ciphertext one = ctx.evaluator().addPlain(zero, ctx.bfvEncoder().encode(unit));
    unit[0] = 0;
    unit[1] = 1;
    Ciphertext x = ctx.evaluator().addPlain(zero, ctx.bfvEncoder().encode(unit));
    byte[] zeroBytes = ctx.serializer().save(zero);
    this.id = Arrays.copyOf(zeroBytes, ID_BYTES);
    int top = zero.level();
    long[][] z = firstRows(zeroBytes, top);
    long[][] o = firstRows(ctx.serializer().save(one), top);
    long[][] xs = firstRows(ctx.serializer().save(x), top);
    long[][] zc = ctx.exportComponents(zero)[0];
    long[][] oc = ctx.exportComponents(one)[0];
    point = new BigInteger[primes.length][n];
    slotScale = new BigInteger[primes.length][n];
    for (int i = 0; i <= top; i++) {
      BigInteger q = BigInteger.valueOf(primes[i]);
      BigInteger c = BigInteger.valueOf(oc[i][0] - zc[i][0]).mod(q);
      for (int j = 0; j < n; j++) {
        BigInteger d1 = BigInteger.valueOf(o[i][j] - z[i][j]).mod(q);
        BigInteger dx = BigInteger.valueOf(xs[i][j] - z[i][j]).mod(q);
        point[i][j] = dx.multiply(d1.modInverse(q)).mod(q);
        slotScale[i][j] = d1.multiply(c.modInverse(q)).mod(q);
      }
    }
  }

  /** The serialized {@code c_0} rows of an ordinary (not seeded, not extracted) ciphertext. */
  private long[][] firstRows(byte[] ct, int level) {
    if (ct[ID_BYTES + 3] != 0) {
      throw new IllegalArgumentException("not an ordinary ciphertext");
    }
    ByteBuffer b = open(ct);
    b.position(HEADER);
    return getRows(b, level);
  }

  /** The NTT rows {@code 0..level} of {@code a X^power} ({@code 0 <= power < N}). */
  long[][] monomial(int level, BigInteger a, int power) {
    long[][] rows = new long[level + 1][n];
    BigInteger e = BigInteger.valueOf(power);
    for (int i = 0; i <= level; i++) {
      BigInteger q = BigInteger.valueOf(primes[i]);
      BigInteger ai = a.mod(q);
      for (int j = 0; j < n; j++) {
        rows[i][j] = ai.multiply(point[i][j].modPow(e, q)).multiply(slotScale[i][j]).mod(q)
            .longValue();
      }
    }
    return rows;
  }

  /** A seeded query ({@code seed || c_0}) with {@code a X^power} added to {@code c_0}. */
  byte[] addToSeededC0(byte[] ct, BigInteger a, int power) {
    ByteBuffer b = open(ct);
    int level = ct[ID_BYTES + 1];
    if (ct[ID_BYTES + 3] != 1) {
      throw new IllegalArgumentException("not a seeded ciphertext");
    }
    int seedBytes = ct.length - HEADER - polyBytes(level);
    b.position(HEADER + seedBytes);
    long[][] c0 = getRows(b, level);
    addInto(c0, monomial(level, a, power), level);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(ct, 0, HEADER + seedBytes);
    putRows(out, c0, level);
    return out.toByteArray();
  }

  /** An extracted answer ({@code kept || c_0 || c_1}) with {@code a X^power} added to c_1. */
  public byte[] addToExtractedC1(byte[] ct, BigInteger a, int power) {
    ByteBuffer b = open(ct);
    int level = ct[ID_BYTES + 1];
    if (ct[ID_BYTES + 3] != 2) {
      throw new IllegalArgumentException("not an extracted answer");
    }
    b.position(HEADER);
    int count = b.getInt();
    int c1At = HEADER + 4 + 4 * count + 8 * (level + 1) * count;
    b.position(c1At);
    long[][] c1 = getRows(b, level);
    addInto(c1, monomial(level, a, power), level);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(ct, 0, c1At);
    putRows(out, c1, level);
    return out.toByteArray();
  }

  private ByteBuffer open(byte[] ct) {
    if (ct.length < HEADER || !Arrays.equals(Arrays.copyOf(ct, ID_BYTES), id)) {
      throw new IllegalArgumentException("not a ciphertext of this context");
    }
    return ByteBuffer.wrap(ct).order(ByteOrder.LITTLE_ENDIAN);
  }

  private void addInto(long[][] x, long[][] y, int level) {
    for (int i = 0; i <= level; i++) {
      for (int j = 0; j < n; j++) {
        x[i][j] = Math.floorMod(x[i][j] + y[i][j], primes[i]);
      }
    }
  }

  private int polyBytes(int level) {
    int total = 0;
    for (int i = 0; i <= level; i++) {
      total += n / 8 * bits[i];
    }
    return total;
  }

  /** Rows {@code 0..level}, each coefficient LSB first in as many bits as its prime has. */
  private long[][] getRows(ByteBuffer b, int level) {
    long[][] rows = new long[level + 1][n];
    for (int i = 0; i <= level; i++) {
      long acc = 0;
      int have = 0;
      for (int j = 0; j < n; j++) {
        long v = 0;
        for (int got = 0; got < bits[i]; ) {
          if (have == 0) {
            acc = b.get() & 0xFFL;
            have = 8;
          }
          int take = Math.min(have, bits[i] - got);
          v |= (acc & ((1L << take) - 1)) << got;
          acc >>>= take;
          have -= take;
          got += take;
        }
        rows[i][j] = v;
      }
    }
    return rows;
  }

  private void putRows(ByteArrayOutputStream out, long[][] rows, int level) {
    for (int i = 0; i <= level; i++) {
      long acc = 0;
      int have = 0;
      for (long v : rows[i]) {
        for (int put = 0; put < bits[i]; ) {
          int take = Math.min(8 - have, bits[i] - put);
          acc |= ((v >>> put) & ((1L << take) - 1)) << have;
          have += take;
          put += take;
          if (have == 8) {
            out.write((int) acc);
            acc = 0;
            have = 0;
          }
        }
      }
    }
  }
}
